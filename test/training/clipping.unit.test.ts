/**
 * Gradient clipping (src/train/optim/clipping.ts) against values computed by hand, and as an optimiser's gradient
 * transform; gradient accumulation (src/train/optim/accumulate.ts) equal to one batch of all the examples.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, clipByValue, clippingTransform, globalNorm } from '../../src/train/optim/clipping.js';
import { GradientAccumulator } from '../../src/train/optim/accumulate.js';
import { createOptimizer } from '../../src/model/optimizers/create.js';
import type { GradientTransform, NamedGradient } from '../../src/model/optimizers/slot-optimizer.js';
import { randomArray, use } from '../backend/helpers.js';

/** the transform's result, kept past its tidy */
function applied(t: GradientTransform, grads: NamedGradient[]): NamedGradient[] {
  const out: NamedGradient[] = [];
  tf.tidy(() => {
    for (const g of t(grads)) out.push({ name: g.name, gradient: g.gradient && tf.keep(g.gradient) });
  });
  return out;
}
const values = (gs: NamedGradient[]): number[][] => gs.map((g) => [...(g.gradient?.dataSync() ?? [])]);
const close = (a: number[][], b: number[][], tol = 1e-6): void =>
  a.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(x - b[i]![j]!) <= tol, `[${i}][${j}] ${x} vs ${b[i]![j]}`)));

describe('gradient clipping', () => {
  it('global norm: [3, 4] and [0, 0, 12] have norm 13; clipped to 1.3 they are scaled by 1.3 / (13 + 1e-6)', async () => {
    await use('cpu');
    const grads: NamedGradient[] = [
      { name: 'a', gradient: tf.tensor([3, 4]) },
      { name: 'b', gradient: tf.tensor([0, 0, 12]) },
      { name: 'frozen', gradient: null },
    ];
    assert.ok(Math.abs(globalNorm(grads).dataSync()[0]! - 13) < 1e-6);
    const s = 1.3 / (13 + 1e-6);
    const clipped = applied(clipByGlobalNorm(1.3), grads);
    close(values(clipped), [[3 * s, 4 * s], [0, 0, 12 * s], []]);
    assert.equal(clipped[2]!.gradient, null, 'a variable without a gradient stays without');
    // below the limit: unchanged (× 1)
    const kept = applied(clipByGlobalNorm(13.5), grads);
    assert.deepEqual(values(kept), [[3, 4], [0, 0, 12], []]);
    tf.dispose([...grads, ...clipped, ...kept].flatMap((g) => (g.gradient ? [g.gradient] : [])));
  });

  it('by value: every element into [−v, v]; both: value first, then the norm of what is left', async () => {
    await use('wasm');
    const grads: NamedGradient[] = [{ name: 'a', gradient: tf.tensor([-2, 0.3, 5, -0.5]) }];
    const byValue = applied(clipByValue(1), grads);
    close(values(byValue), [[-1, 0.3, 1, -0.5]]);
    // after value clipping: [−1, 0.3, 1, −0.5], norm √(1 + 0.09 + 1 + 0.25) = √2.34
    const both = applied(clippingTransform({ value: 1, global_norm: 1 })!, grads);
    const s = 1 / (Math.sqrt(2.34) + 1e-6);
    close(values(both), [[-s, 0.3 * s, s, -0.5 * s]]);
    assert.equal(clippingTransform(undefined), undefined);
    tf.dispose([...grads, ...byValue, ...both].flatMap((g) => (g.gradient ? [g.gradient] : [])));
  });

  it('as the optimiser’s gradient transform: SGD at rate 1 moves by exactly the clipped gradient, on every backend path', async () => {
    await use('wasm');
    const p = tf.variable(tf.tensor([1, 1]), true, `clip_p_${Math.random()}`);
    const opt = createOptimizer({ type: 'sgd', learning_rate: 1 }, { gradientTransform: clippingTransform({ global_norm: 1 })! });
    const before = tf.memory().numTensors;
    opt.applyGradients({ [p.name]: tf.tensor([30, 40]) });
    const s = 1 / (50 + 1e-6);
    close([[...p.dataSync()]], [[1 - 30 * s, 1 - 40 * s]]);
    assert.ok(tf.memory().numTensors <= before + 1, 'the transform’s tensors are disposed (the gradient passed in is the caller’s)');
    opt.dispose();
    p.dispose();
  });
});

describe('gradient accumulation', () => {
  /** a small model: 6 inputs → 5 tanh → 3 softmax, fixed initial weights */
  function model(): tf.LayersModel {
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [6], units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    return m;
  }
  const labels = Array.from({ length: 24 }, (_, i) => (i * 7) % 3);

  for (const type of ['sgd', 'adamw'] as const) {
    it(`${type}: batches of 5, 7, 4 accumulated = one batch of their 16 examples; then 8 in one group of one (float rounding apart)`, async () => {
      await use('wasm');
      const xs = tf.tensor(randomArray(24 * 6, 11), [24, 6]);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat();
      const big = model();
      const small = model();
      small.setWeights(big.getWeights());
      const cfg = { type, learning_rate: 0.05 } as const;
      big.compile({ optimizer: createOptimizer(cfg), loss: 'categoricalCrossentropy' });
      const acc = new GradientAccumulator(createOptimizer(cfg));
      small.compile({ optimizer: acc, loss: 'categoricalCrossentropy' });
      await big.trainOnBatch(xs.slice(0, 16), ys.slice(0, 16));
      await big.trainOnBatch(xs.slice(16, 8), ys.slice(16, 8));
      const parts: Array<[number, number, boolean]> = [
        [0, 5, false],
        [5, 7, false],
        [12, 4, true],
        [16, 8, true],
      ];
      for (const [start, size, apply] of parts) {
        const before = small.getWeights().map((w) => w.dataSync().slice());
        acc.expect(size, apply);
        await small.trainOnBatch(xs.slice(start, size), ys.slice(start, size));
        const moved = small.getWeights().some((w, i) => w.dataSync().some((x, j) => x !== before[i]![j]));
        assert.equal(moved, apply, `batch at ${start}: the weights move only when the group's update is made`);
      }
      assert.equal(acc.iterations, 2);
      const a = big.getWeights();
      const b = small.getWeights();
      let diff = 0;
      a.forEach((w, i) => w.dataSync().forEach((x, j) => (diff = Math.max(diff, Math.abs(x - b[i]!.dataSync()[j]!)))));
      assert.ok(diff < 2e-6, `weights differ by ${diff}`);
      big.dispose();
      small.dispose();
      tf.dispose([xs, ys]);
    });
  }
});
