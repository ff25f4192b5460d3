import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { differingParams, toOrderBy } from '../../src/cli/commands/runs.js';
import { FileStore } from '../../src/tracking/file-store.js';
import type { RunData } from '../../src/tracking/tracker.js';
import { runCli } from '../helpers/cli.js';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number> = {}): RunData => ({
  info: { runId: id, experimentId: '1', runName: id, artifactUri: '', status: 'FINISHED', startTime: 0 },
  params,
  metrics,
  tags: {},
});

describe('mmx runs', () => {
  it('turns --sort into MLflow order_by clauses', () => {
    assert.deepEqual(toOrderBy('-metrics.test_accuracy'), ['metrics.test_accuracy DESC']);
    assert.deepEqual(toOrderBy('params.seed, -attributes.start_time'), ['params.seed ASC', 'attributes.start_time DESC']);
    assert.deepEqual(toOrderBy('metrics.x desc'), ['metrics.x desc']);
  });

  it('shows the params that differ, key params first', () => {
    const runs = [
      run('a', { 'fusion.type': 'gated', seed: '1', zeta: 'x', same: 's' }),
      run('b', { 'fusion.type': 'concat', seed: '1', zeta: 'y', same: 's' }),
    ];
    assert.deepEqual(differingParams(runs), ['fusion.type', 'zeta']);
  });

  it('lists, filters and sorts runs of a file store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-runs-'));
    const store = new FileStore(path.join(dir, 'runs'));
    const exp = await store.getOrCreateExperiment('cmp');
    for (const [name, type, acc] of [
      ['r1', 'gated', 0.91],
      ['r2', 'concat', 0.95],
      ['r3', 'gated', 0.97],
    ] as const) {
      const r = await store.createRun(exp, { runName: name });
      await store.logParams(r.runId, { 'fusion.type': type });
      await store.logMetrics(r.runId, [{ key: 'test_accuracy', value: acc, timestamp: Date.now(), step: 1 }]);
      await store.endRun(r.runId, 'FINISHED');
    }
    const table = await runCli(['runs', '--experiment', 'cmp', '--uri', 'runs', '--sort', '-metrics.test_accuracy'], { cwd: dir });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^run\s+name\s+status\s+start\s+duration\s+fusion\.type\s+test_accuracy$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[1]),
      ['r3', 'r2', 'r1'],
    );

    const json = await runCli(
      ['runs', '-e', 'cmp', '--uri', 'runs', '--filter', "metrics.test_accuracy > 0.9 and params.fusion.type = 'gated'", '--json'],
      { cwd: dir },
    );
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { run_name: string; 'metrics.test_accuracy': number }[];
    assert.deepEqual(rows.map((r) => r.run_name).sort(), ['r1', 'r3']);

    const bad = await runCli(['runs', '-e', 'nope', '--uri', 'runs'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no experiment named 'nope'/);
    const badFilter = await runCli(['runs', '-e', 'cmp', '--uri', 'runs', '--filter', 'metrics.x >'], { cwd: dir });
    assert.equal(badFilter.code, 2, badFilter.stderr);
    assert.doesNotMatch(badFilter.stderr, /\n\s+at /);
  });
});
