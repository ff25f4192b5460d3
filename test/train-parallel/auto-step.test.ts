/**
 * runtime.workers: auto (auto-step.ts): trains in the main thread while the workers start, alternates one thread
 * and all of them on the first batches, keeps the data-parallel step only when it measured faster, and never
 * leaves the workers with stale weights. Unit tests with fake steps and a fake clock; then a real run with real
 * workers whose losses match a one-thread run (dropout-free model).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { autoStep, CALIBRATION_STEPS, createParallelStep, createTrainStep } from '../../src/train/parallel/index.js';
import type { ParallelStep } from '../../src/train/parallel/index.js';
import { localStep, type TrainStep } from '../../src/train/step.js';
import { dataPath } from '../helpers/data.js';
import { compiled, prepare, trainSteps, type Prepared } from './helpers.js';

/** A fake clock advanced by the fake steps: each kind of step "takes" its own time. */
function fakes(localMs: number, parallelMs: number) {
  let clock = 0;
  const calls: string[] = [];
  const local: TrainStep = {
    async run() {
      clock += localMs;
      calls.push('local');
      return [1];
    },
    async dispose() {},
  };
  let disposed = false;
  const parallel: ParallelStep = {
    threads: 2,
    async run() {
      clock += parallelMs;
      calls.push('parallel');
      return [2];
    },
    sync() {
      calls.push('sync');
    },
    async dispose() {
      disposed = true;
    },
    stats: () => ({ steps: 0, main: 0, wait: 0, transfer: 0, send: 0, combine: 0, publish: 0, apply: 0, worker: 0 }),
    liveWorkers: () => (disposed ? 0 : 1),
    startup: () => [],
  };
  return { local, parallel, calls, now: () => clock, disposed: () => disposed };
}

let x: tf.Tensor[];
let y: tf.Tensor;

describe('autoStep', () => {
  before(async () => {
    await initBackend('wasm');
    x = [tf.zeros([1])];
    y = tf.zeros([1]);
  });

  it('keeps the data-parallel step when it measures faster, and syncs the weights after every one-thread step', async () => {
    const f = fakes(100, 60);
    const logs: string[] = [];
    const step = autoStep(f.local, Promise.resolve(f.parallel), { now: f.now, log: (m) => logs.push(m) });
    await Promise.resolve();
    for (let i = 0; i < 2 * CALIBRATION_STEPS + 2 + 3; i++) await step.run(x, y);
    const runs = f.calls.filter((c) => c !== 'sync');
    // calibration alternates, then only the parallel step
    assert.deepEqual(runs.slice(-3), ['parallel', 'parallel', 'parallel']);
    assert.equal(runs.filter((c) => c === 'local').length, CALIBRATION_STEPS + 1);
    // every parallel step that follows a one-thread step publishes the weights first
    f.calls.forEach((c, i) => {
      if (c === 'parallel' && f.calls[i - 1] === 'local') assert.fail(`parallel step ${i} after a local one without sync`);
    });
    assert.match(logs.join('\n'), /runtime.workers auto: 2 threads, measured 1\.67× as fast as one/);
    assert.equal(f.disposed(), false);
  });

  it('goes back to one thread and stops the workers when they measure slower (a busy machine)', async () => {
    const f = fakes(100, 95); // faster, but not by the margin
    const logs: string[] = [];
    const step = autoStep(f.local, Promise.resolve(f.parallel), { now: f.now, log: (m) => logs.push(m) });
    await Promise.resolve();
    for (let i = 0; i < 2 * CALIBRATION_STEPS + 2 + 3; i++) await step.run(x, y);
    assert.deepEqual(f.calls.slice(-3), ['local', 'local', 'local']);
    assert.equal(f.disposed(), true);
    assert.match(logs.join('\n'), /runtime.workers auto: 1 thread — 2 threads measured 1\.05× the speed of one/);
  });

  it('trains in the main thread until the workers are ready, and stays there if they fail to start', async () => {
    const f = fakes(100, 60);
    let fail!: (e: Error) => void;
    const logs: string[] = [];
    const step = autoStep(f.local, new Promise<ParallelStep>((_, reject) => (fail = reject)), { now: f.now, log: (m) => logs.push(m) });
    for (let i = 0; i < 3; i++) await step.run(x, y);
    fail(new Error('no worker_threads here'));
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 3; i++) await step.run(x, y);
    assert.deepEqual(f.calls, Array(6).fill('local'));
    assert.match(logs.join('\n'), /runtime.workers auto: 1 thread \(the worker threads did not start: no worker_threads here\)/);
    await step.dispose();
  });
});

const PENGUINS = JSON.stringify(dataPath('penguins', 'manifest.csv'));
const CONFIG = `name: par-auto
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label}
inputs:
  m:
    type: numeric
    column: bill_length_mm
    columns: [bill_depth_mm, flipper_length_mm]
    preprocessing: {missing: median}
    encoder: {type: dense, layers: [16], output_dim: 8}
fusion: {type: concat, hidden: [8]}
training: {epochs: 1, batch_size: 20, shuffle: false, optimizer: {type: adam, learning_rate: 0.01}}
runtime: {backend: wasm, workers: auto}
`;

describe('runtime.workers: auto with real workers', () => {
  let p: Prepared;
  before(async () => {
    await initBackend('wasm');
    p = await prepare(CONFIG);
  });

  it('decides, logs why, and trains the same model as one thread (float tolerance)', { timeout: 120_000 }, async () => {
    const auto = compiled(p);
    const ref = compiled(p);
    ref.model.setWeights(auto.model.getWeights());
    const logs: string[] = [];
    // as createTrainStep(built, 'auto') makes it, but with the workers awaited first, so that the steps below
    // calibrate and decide (in a run, the first batches train in the main thread while the workers start)
    const parallel = createParallelStep(auto, 2);
    await parallel;
    const step = autoStep(localStep(auto), parallel, { log: (m) => logs.push(m) });
    const steps = 2 * CALIBRATION_STEPS + 4;
    const got = await trainSteps(p, auto, step, steps);
    const want = await trainSteps(p, ref, localStep(ref), steps);
    await step.dispose();
    got.forEach((r, i) =>
      assert.ok(Math.abs(r[0]! - want[i]![0]!) < 1e-4 * Math.abs(want[i]![0]!) + 1e-6, `step ${i + 1}: ${r[0]} vs ${want[i]![0]}`),
    );
    assert.match(logs.join('\n'), /runtime.workers auto: (2 threads, measured|1 thread — 2 threads measured) [\d.]+×/);
    // createTrainStep starts the same thing for runtime.workers: auto
    const viaRun = await createTrainStep(compiled(p), 'auto', { log: (m) => logs.push(m) });
    await viaRun.dispose();
    assert.match(logs.join('\n'), /runtime.workers auto: measuring 1 against \d+ threads on the first batches/);
  });
});
