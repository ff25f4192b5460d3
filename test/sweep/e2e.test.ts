/**
 * `mmx sweep` end to end on a small stratified subset of the real AV-MNIST-style data: a 4-trial grid, two
 * trials at a time in worker processes, read back from the file store with the strict MLflow reader port; and
 * a bad grid value failing up front (exit 2, no run started).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';
import { avmnistSweepConfig } from '../helpers/sweep-config.js';
import { MlflowFileStoreReader } from '../tracking/mlflow-reader.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = avmnistSweepConfig('sweep-e2e', { 'training.optimizer.learning_rate': '[0.003, 0.01]', 'fusion.hidden': '[[16], [32]]' });

interface Summary {
  sweep_run_id: string;
  experiment_id: string;
  status: string;
  best: { trial: number; run_id: string; value: number; params: Record<string, unknown> } | null;
  best_yaml: string;
  trials: { trial: number; status: string; run_id: string; value: number; params: Record<string, unknown> }[];
  seconds: number;
}

describe('mmx sweep (end to end on real data)', () => {
  it('runs a 4-trial grid, 2 at a time; parent + children in the store, best.yaml runs', { timeout: 240_000 }, async () => {
    const dir = tempDir('mmx-sweep-e2e-');
    avmnistSubset(dir, { train: 12, validation: 4, test: 4 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG);
    const r = await runCli(['sweep', 'exp.yaml', '--json', '--out', 'out'], { cwd: dir, timeoutMs: 230_000 });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.status, 'FINISHED');
    assert.equal(s.trials.length, 4);
    assert.deepEqual(
      s.trials.map((t) => t.status),
      ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED'],
    );
    assert.ok(s.best);
    assert.equal(s.best.value, Math.max(...s.trials.map((t) => t.value)));

    const reader = new MlflowFileStoreReader(path.join(dir, 'runs'));
    const parent = reader.getRun(s.sweep_run_id);
    assert.equal(parent.info.status, 'FINISHED');
    assert.equal(parent.params['sweep.method'], 'grid');
    assert.equal(parent.tags['mmx.sweep.best_run_id'], s.best.run_id);
    assert.equal(parent.metrics.best_val_accuracy?.value, s.best.value);
    const artifacts = reader.listArtifacts(s.sweep_run_id);
    for (const f of ['sweep', 'plots', 'config'])
      assert.ok(
        artifacts.some((a) => a === f || a.startsWith(`${f}/`)),
        `artifact ${f}: ${artifacts}`,
      );
    const artifactDir = path.join(dir, 'runs', s.experiment_id, s.sweep_run_id, 'artifacts');
    for (const f of [
      'sweep/trials.json',
      'sweep/trials.csv',
      'sweep/search_space.yaml',
      'sweep/best.yaml',
      'plots/metric_vs_trial.png',
      'plots/parameters.svg',
      'config/config.yaml',
    ]) {
      assert.ok(existsSync(path.join(artifactDir, f)), f);
    }
    const runIds = readdirSync(path.join(dir, 'runs', s.experiment_id)).filter((d) => /^[0-9a-f]{32}$/.test(d));
    assert.equal(runIds.length, 5);
    const children = runIds.filter((id) => id !== s.sweep_run_id).map((id) => reader.getRun(id));
    for (const c of children) {
      assert.equal(c.info.status, 'FINISHED');
      assert.equal(c.tags['mlflow.parentRunId'], s.sweep_run_id);
      const t = s.trials.find((x) => x.run_id === c.info.runId)!;
      assert.equal(c.tags['sweep.trial'], String(t.trial));
      assert.equal(c.params['training.optimizer.learning_rate'], String(t.params['training.optimizer.learning_rate']));
      assert.equal(c.params['fusion.hidden'], JSON.stringify(t.params['fusion.hidden']));
      assert.equal(c.tags['mlflow.runName'], `sweep-e2e-trial-${t.trial}`);
      assert.deepEqual(
        reader.getMetricHistory(c.info.runId, 'val_accuracy').map((m) => m.step),
        [1, 2],
      );
    }
    const best = readFileSync(path.join(dir, 'out', 'best.yaml'), 'utf8');
    assert.match(best, new RegExp(`learning_rate: ${s.best.params['training.optimizer.learning_rate']}`));
    const v = await runCli(['validate', path.join('out', 'best.yaml')], { cwd: dir });
    assert.equal(v.code, 0, v.stderr);
  });

  it('a bad grid value fails before any trial: exit 2, file:line:column, no run', async () => {
    const dir = tempDir('mmx-sweep-bad-');
    avmnistSubset(dir, { train: 1, validation: 1, test: 1 });
    const text = CONFIG.replace('[[16], [32]]', '[[16], [0]]');
    writeFileSync(path.join(dir, 'exp.yaml'), text);
    const before = text.slice(0, text.indexOf('[0]]')).split('\n');
    const where = `${before.length}:${before[before.length - 1]!.length + 1}`;
    const r = await runCli(['sweep', 'exp.yaml'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `exp\\.yaml:${where}: ` + /sweep\.parameters\.fusion\.hidden\.values\[1\]: fusion\.hidden\[0\]: must be at least 1, got 0/.source,
      ),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
    assert.ok(!existsSync(path.join(dir, 'runs')));
  });
});
