/**
 * The data-parallel step's life: workers stop on dispose and on abort (the run's AbortSignal, i.e. Ctrl-C), a
 * worker that cannot do its job becomes a clear error naming it, no tensor leaks, dropout masks differ per
 * thread, and BatchNormalization's moving statistics are
 * the shard-size-weighted mean of the shards' (which for the moving mean is exactly the whole-batch update).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { createParallelStep, startWorkerPool, WorkerFailedError } from '../../src/train/parallel/index.js';
import { gatherInputs, gatherTargets } from '../../src/train/batches.js';
import { localStep } from '../../src/train/step.js';
import { TrainingAborted } from '../../src/train/trainer.js';
import { dataPath } from '../helpers/data.js';
import { compiled, maxWeightDiff, prepare, trainSteps, type Prepared } from './helpers.js';

const PENGUINS = JSON.stringify(dataPath('penguins', 'manifest.csv'));
const config = (encoder: string) => `name: par-life
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label}
inputs:
  m:
    type: numeric
    column: bill_length_mm
    columns: [bill_depth_mm, flipper_length_mm]
    preprocessing: {missing: median}
    encoder: ${encoder}
training: {epochs: 1, batch_size: 40, shuffle: false, optimizer: {type: adam, learning_rate: 0.01}}
runtime: {backend: wasm}
`;

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A layer only the main thread knows (registered here, never imported by the worker). */
class MainThreadOnly extends tf.layers.Layer {
  static className = 'MmxTestMainThreadOnly';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(inputs) ? inputs[0]! : inputs;
  }
}
tf.serialization.registerClass(MainThreadOnly);

describe('data-parallel step lifecycle', () => {
  let p: Prepared;
  before(async () => {
    await initBackend('wasm');
    p = await prepare(config('{type: dense, layers: [16], output_dim: 8}'));
  });

  it('steps leak no tensors in the main thread', { timeout: 60_000 }, async () => {
    const built = compiled(p);
    const step = await createParallelStep(built, 2);
    try {
      await trainSteps(p, built, step, 1); // the optimiser creates its slots on the first step
      const before = tf.memory().numTensors;
      await trainSteps(p, built, step, 4);
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await step.dispose();
    }
  });

  it(
    'workers started ahead (startWorkerPool, as mmx run does before loading data) are taken over by the step',
    { timeout: 60_000 },
    async () => {
      assert.equal(startWorkerPool(1), undefined);
      assert.equal(startWorkerPool(2, 'tensorflow'), undefined);
      const unclaimed = startWorkerPool(2)!;
      await unclaimed.dispose();
      assert.ok(unclaimed.workers.every((w) => w.exited));
      const pool = startWorkerPool(3)!;
      assert.equal(pool.workers.length, 2);
      const a = compiled(p);
      const b = compiled(p);
      const step = await createParallelStep(b, 3, { pool });
      const single = await trainSteps(p, a, localStep(a), 3);
      const multi = await trainSteps(p, b, step, 3);
      await step.dispose();
      assert.ok(pool.closed && pool.workers.every((w) => w.exited), 'disposing the step stops the pool');
      assert.ok(maxWeightDiff(a.model, b.model) < 1e-4);
      assert.ok(Math.abs(single[2]![0]! - multi[2]![0]!) < 1e-4);
    },
  );

  it('an aborted signal stops the workers; a step in flight and later steps fail as TrainingAborted', { timeout: 60_000 }, async () => {
    const built = compiled(p);
    const abort = new AbortController();
    const step = await createParallelStep(built, 3, { signal: abort.signal });
    assert.equal(step.liveWorkers(), 2);
    await trainSteps(p, built, step, 1);
    const xs = [tf.zeros([8, 3])];
    const ys = tf.oneHot(tf.zeros([8], 'int32'), 3).toFloat();
    const inFlight = step.run(xs, ys);
    abort.abort();
    await assert.rejects(inFlight, TrainingAborted);
    await until(() => step.liveWorkers() === 0);
    await assert.rejects(step.run(xs, ys), TrainingAborted);
    await step.dispose(); // idempotent
    tf.dispose([...xs, ys]);
  });

  it('a worker that cannot rebuild the model is a clear error, and no worker is left running', { timeout: 60_000 }, async () => {
    const built = compiled(p);
    const input = tf.input({ shape: [3] });
    const odd = new MainThreadOnly({ name: 'main_only' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(odd) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = process.getActiveResourcesInfo().length;
    await assert.rejects(createParallelStep({ ...built, model, predictor: model }, 2), (err: unknown) => {
      assert.ok(err instanceof WorkerFailedError, String(err));
      assert.match(err.message, /data-parallel worker 1 failed: .*MmxTestMainThreadOnly/);
      return true;
    });
    await until(() => process.getActiveResourcesInfo().length <= before);
  });

  it('dropout draws different masks in each thread (seeds shifted per worker)', { timeout: 60_000 }, async () => {
    const drop = await prepare(config('{type: dense, layers: [16], dropout: 0.5, output_dim: 8}'));
    const n = 20;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const rows = Int32Array.from({ length: 2 * n }, (_, i) => i % n); // the same 20 rows twice
    const once = (o: Int32Array, k: number) => ({
      xs: gatherInputs(drop.data.train, compiled(drop).inputs, o, 0, k),
      ys: gatherTargets(drop.data.train, o, 0, k, 3),
    });
    const a = compiled(drop);
    const b = compiled(drop);
    const single = once(order, n);
    await localStep(a).run(single.xs, single.ys);
    const step = await createParallelStep(b, 2);
    try {
      const twice = once(rows, 2 * n);
      await step.run(twice.xs, twice.ys);
      tf.dispose([...single.xs, single.ys, ...twice.xs, twice.ys]);
    } finally {
      await step.dispose();
    }
    // with the same seed in both threads, both shards would draw the single step's mask and the mean gradient
    // would be the single step's gradient exactly
    assert.ok(maxWeightDiff(a.model, b.model) > 1e-4, `weights differ by ${maxWeightDiff(a.model, b.model)}`);
  });

  it('BatchNormalization: the moving mean after a step equals the whole-batch one; the run trains', { timeout: 60_000 }, async () => {
    const bn = await prepare(config('{type: dense, layers: [16], batch_norm: true, output_dim: 8}'));
    const a = compiled(bn);
    const b = compiled(bn);
    await trainSteps(bn, a, localStep(a), 1);
    const step = await createParallelStep(b, 2);
    try {
      await trainSteps(bn, b, step, 1);
      const movingMean = (m: tf.LayersModel) =>
        m.weights
          .find((w) => w.name.includes('moving_mean'))!
          .read()
          .dataSync();
      const ma = movingMean(a.model);
      const mb = movingMean(b.model);
      assert.ok(Math.max(...ma.map((v) => Math.abs(v))) > 1e-3, 'the moving mean moved');
      ma.forEach((v, i) => assert.ok(Math.abs(v - mb[i]!) < 1e-5, `moving mean ${i}: ${v} vs ${mb[i]}`));
      // the moving variance is the shards' mean variance, and the shards are normalised with their own statistics
      assert.ok(maxWeightDiff(a.model, b.model) > 0);
      const losses = await trainSteps(bn, b, step, 6);
      assert.ok(losses.every((l) => Number.isFinite(l[0])));
    } finally {
      await step.dispose();
    }
  });
});
