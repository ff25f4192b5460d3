/**
 * The coordinator with a stand-in worker (fixtures/fake-worker.ts: same IPC protocol, real file-store runs,
 * no training): a worker crash fails only its trial; Ctrl-C leaves nothing RUNNING; --resume re-runs only the
 * trials that did not finish; early termination stops trials through the protocol.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../../src/sweep/coordinator.js';
import type { SweepEvent } from '../../src/sweep/events.js';
import { planSweep } from '../../src/sweep/plan.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { tempDir } from '../helpers/tmp.js';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-worker.ts');

function setup(sweep: string, env: Record<string, string> = {}, o: { name?: string; overrides?: string[] } = {}) {
  const dir = tempDir('mmx-sweep-coord-');
  writeFileSync(path.join(dir, 'm.csv'), 'image_path,label,split\na.png,1,train\n');
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: ${o.name ?? 'fake'}
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path}
training: {epochs: 4}
tracking: {uri: runs, experiment: fake}
${sweep}`,
  );
  const log = path.join(dir, 'started.log');
  const plan = planSweep(path.join(dir, 'exp.yaml'), {
    baseDir: dir,
    ...(o.overrides ? { overrides: o.overrides } : {}),
    env: { ...process.env, FAKE_STORE: path.join(dir, 'runs'), FAKE_LOG: log, ...env },
  });
  const store = new FileStore(path.join(dir, 'runs'));
  const started = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map(Number) : []);
  return { dir, plan, store, started };
}

const GRID = `sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parallel: 2
  parameters:
    training.optimizer.learning_rate: {values: [0.001, 0.01]}
    fusion.hidden: {values: [[16], [32]]}
`;

async function statusOf(store: FileStore, runId: string) {
  return (await store.getRun(runId)).status;
}

describe('sweep coordinator (stand-in worker)', () => {
  it('a worker that dies fails only its own trial; the rest finish and the best is found', { timeout: 60_000 }, async () => {
    const { plan, store, dir } = setup(GRID, { FAKE_CRASH_TRIAL: '2' });
    const events: SweepEvent[] = [];
    const result = await runSweep(plan, { emit: (e) => events.push(e), worker: { script: FAKE } });
    assert.equal(result.status, 'FINISHED');
    assert.deepEqual(
      result.trials.map((t) => t.status),
      ['FINISHED', 'FAILED', 'FINISHED', 'FINISHED'],
    );
    const crashed = result.trials[1]!;
    assert.match(crashed.error!, /killed by SIGKILL/);
    assert.equal(await statusOf(store, crashed.runId!), 'FAILED');
    // the best: lr 0.01 with hidden [32] (trial 4)
    assert.equal(result.best?.number, 4);
    assert.deepEqual(result.best?.params, { 'training.optimizer.learning_rate': 0.01, 'fusion.hidden': [32] });
    assert.equal(await statusOf(store, result.parentRunId), 'FINISHED');
    for (const t of result.trials) {
      const data = await store.getRunData(t.runId!);
      assert.equal(data.tags['mlflow.parentRunId'], result.parentRunId);
      assert.equal(data.tags['sweep.trial'], String(t.number));
    }
    const best = readFileSync(result.bestYaml!, 'utf8');
    assert.match(best, /learning_rate: 0\.01/);
    assert.ok(!/^sweep:/m.test(best));
    assert.ok(path.isAbsolute(/path: (.+)/.exec(best)![1]!));
    // written under .mmx/ (which ignores itself in git), not into a sweep-<id>/ folder beside the config
    const out = path.join(dir, '.mmx', 'sweeps', result.parentRunId.slice(0, 8));
    assert.equal(result.bestYaml, path.join(out, 'best.yaml'));
    assert.equal(result.trialsCsv, path.join(out, 'trials.csv'));
    assert.equal(
      readFileSync(path.join(dir, '.mmx', '.gitignore'), 'utf8')
        .trim()
        .split('\n')
        .at(-1),
      '*',
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('sweep-')),
      [],
    );
    assert.equal(readFileSync(result.trialsCsv!, 'utf8').trim().split('\n').length, 5);
    assert.ok(events.some((e) => e.type === 'best'));
  });

  it('Ctrl-C ends running trials and the parent KILLED; --resume runs only the unfinished trials', { timeout: 90_000 }, async () => {
    const sweep = `sweep:
  method: random
  trials: 5
  parallel: 1
  seed: 3
  metric: {name: val_loss, goal: minimize}
  parameters:
    training.optimizer.learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-1}
`;
    const { plan, store, started, dir } = setup(sweep, { FAKE_EPOCH_MS: '150' });
    const controller = new AbortController();
    let ended = 0;
    const first = await runSweep(plan, {
      emit: (e) => {
        if (e.type === 'trial_epoch' && e.trial === 3 && e.epoch === 1) controller.abort();
        if (e.type === 'trial_end') ended++;
      },
      signal: controller.signal,
      worker: { script: FAKE },
    });
    assert.equal(first.status, 'KILLED');
    assert.deepEqual(
      first.trials.map((t) => t.status),
      ['FINISHED', 'FINISHED', 'KILLED'],
    );
    assert.equal(ended, 3);
    for (const t of first.trials) assert.notEqual(await statusOf(store, t.runId!), 'RUNNING');
    assert.equal(await statusOf(store, first.parentRunId), 'KILLED');
    assert.deepEqual(started(), [1, 2, 3]);

    const second = await runSweep(plan, { emit: () => undefined, resume: first.parentRunId, worker: { script: FAKE } });
    assert.equal(second.status, 'FINISHED');
    assert.equal(second.parentRunId, first.parentRunId);
    assert.deepEqual(
      second.trials.map((t) => `${t.number}:${t.status}`),
      ['1:FINISHED', '2:FINISHED', '3:FINISHED', '4:FINISHED', '5:FINISHED'],
    );
    // trials 1 and 2 were not run again, trial 3 was (with the same values), then 4 and 5
    assert.deepEqual(started(), [1, 2, 3, 3, 4, 5]);
    assert.equal(second.trials[0]!.runId, first.trials[0]!.runId);
    assert.deepEqual(second.trials[2]!.params, first.trials[2]!.params);
    assert.equal((await store.getRunData(first.trials[2]!.runId!)).tags['mmx.sweep.superseded'], 'true');
    assert.equal(await statusOf(store, first.parentRunId), 'FINISHED');
  });

  it(
    'the parent run is <name>-sweep (not <name>-sweep-sweep) with the --set overrides in its name and tag',
    { timeout: 30_000 },
    async () => {
      const { plan, store } = setup(
        GRID.replace('parallel: 2', 'parallel: 1'),
        {},
        { name: 'fake-sweep', overrides: ['training.epochs=3'] },
      );
      const r = await runSweep({ ...plan, trials: 1 }, { emit: () => undefined, worker: { script: FAKE } });
      const tags = (await store.getRunData(r.parentRunId)).tags;
      assert.equal(tags['mlflow.runName'], 'fake-sweep [training.epochs=3]');
      assert.equal(tags['mmx.overrides'], '["training.epochs=3"]');
    },
  );

  it('a different search cannot be resumed into a sweep', { timeout: 30_000 }, async () => {
    const { plan } = setup(GRID);
    const r = await runSweep({ ...plan, trials: 1 }, { emit: () => undefined, worker: { script: FAKE } });
    const other = { ...plan, spaceHash: 'something-else' };
    await assert.rejects(runSweep(other, { emit: () => undefined, resume: r.parentRunId, worker: { script: FAKE } }), /not the one sweep/);
  });

  it(
    'a config whose trials differ (training.epochs) cannot be resumed into a sweep; runtime and trials may change',
    { timeout: 60_000 },
    async () => {
      const { plan, dir } = setup(GRID);
      const r = await runSweep({ ...plan, trials: 1 }, { emit: () => undefined, worker: { script: FAKE } });
      const env = { ...plan.env };
      const changed = planSweep(path.join(dir, 'exp.yaml'), { baseDir: dir, env, overrides: ['training.epochs=5'] });
      await assert.rejects(
        runSweep(changed, { emit: () => undefined, resume: r.parentRunId, worker: { script: FAKE } }),
        /--resume: exp\.yaml configures the trials differently from the ones sweep [0-9a-f]{32} ran \(training\.epochs: 4 → 5\); resume with the config it ran/,
      );
      const same = planSweep(path.join(dir, 'exp.yaml'), { baseDir: dir, env, overrides: ['runtime.threads=1', 'sweep.parallel=1'] });
      const resumed = await runSweep({ ...same, trials: 2 }, { emit: () => undefined, resume: r.parentRunId, worker: { script: FAKE } });
      assert.equal(resumed.trials.length, 2);
    },
  );

  it('ASHA stops trials through the protocol: KILLED with the pruned tags, never the best', { timeout: 60_000 }, async () => {
    const sweep = `sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parallel: 1
  parameters:
    training.optimizer.learning_rate: {values: [0.01, 0.1, 0.001, 1.0]}
  early_terminate: {type: asha, min_epochs: 1, reduction_factor: 2}
`;
    const { plan, store } = setup(sweep);
    const r = await runSweep(plan, { emit: () => undefined, worker: { script: FAKE } });
    // trial 1 (lr 0.01) is the best at every rung; the others are worse than the top half when they reach rung 1
    assert.deepEqual(
      r.trials.map((t) => `${t.status}${t.pruned ? ' pruned' : ''}`),
      ['FINISHED', 'KILLED pruned', 'KILLED pruned', 'KILLED pruned'],
    );
    for (const t of r.trials.slice(1)) {
      const data = await store.getRunData(t.runId!);
      assert.equal(data.info.status, 'KILLED');
      assert.equal(data.tags['mmx.sweep.pruned'], 'true');
      assert.match(data.tags['mmx.killed_reason']!, /pruned by early termination: asha/);
      assert.equal(t.epochs, 1);
    }
    assert.equal(r.best?.number, 1);
  });
});
