import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { setSimdKernels } from '../../src/backend/simd/module.js';
import { RELU_GRAD, setFusedReluGradient } from '../../src/ops/relu-grad.js';
import { randomArray, relMaxDiff, use } from './helpers.js';

/** Relu's gradient of sum(relu(x) · w) with respect to x. */
function reluGradient(x: Float32Array, shape: number[], w: Float32Array): Float32Array {
  return tf.tidy(() => {
    const wt = tf.tensor(w, shape);
    const g = tf.grad((t: tf.Tensor) => tf.relu(t).mul(wt).sum())(tf.tensor(x, shape));
    return g.dataSync() as Float32Array;
  });
}

describe('Relu gradient (MmxReluGrad)', () => {
  const shape = [3, 5, 7];
  const n = 105;
  const x = randomArray(n, 5);
  // zeros, -0, NaN and ±Infinity among the inputs
  x[0] = 0;
  x[1] = -0;
  x[2] = NaN;
  x[3] = Infinity;
  x[4] = -Infinity;
  const w = randomArray(n, 6);

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`runs one kernel on ${backend} and gives exactly tfjs's own gradient (NaN, ±0, ±Infinity included)`, async () => {
      await use(backend);
      assert.ok(tf.getKernel(RELU_GRAD, backend) !== undefined);
      setFusedReluGradient(false);
      let ref: Float32Array;
      try {
        ref = reluGradient(x, shape, w);
      } finally {
        setFusedReluGradient(true);
      }
      const kernels: string[] = [];
      const prof = await tf.profile(() => reluGradient(x, shape, w));
      for (const k of prof.kernels) kernels.push(k.name);
      assert.ok(kernels.includes(RELU_GRAD) && !kernels.includes('Step'), `kernels run: ${kernels.join(', ')}`);
      const got = reluGradient(x, shape, w);
      assert.deepEqual(Array.from(got), Array.from(ref));
    });
  }

  it("the wasm kernel's TypeScript fallback gives the same numbers", async () => {
    await use('wasm');
    const simd = reluGradient(x, shape, w);
    setSimdKernels(false);
    try {
      assert.deepEqual(Array.from(reluGradient(x, shape, w)), Array.from(simd));
    } finally {
      setSimdKernels(true);
    }
  });
});

describe('wasm kernel Add (bias along the last axis)', () => {
  const cases: [number[], number[]][] = [
    [[8, 28, 28, 16], [16]],
    [
      [4, 9, 7],
      [1, 1, 7],
    ],
    [[5, 6], [6]],
    [
      [3, 2, 5],
      [1, 5],
    ],
    // not a bias: the original kernel
    [
      [3, 4],
      [3, 1],
    ],
    [
      [2, 3],
      [2, 3],
    ],
  ];
  for (const [as, bs] of cases) {
    it(`matches cpu: [${as.join(',')}] + [${bs.join(',')}]`, async () => {
      const a = randomArray(
        as.reduce((p, q) => p * q, 1),
        11,
      );
      const b = randomArray(
        bs.reduce((p, q) => p * q, 1),
        12,
      );
      const out: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await use(backend);
        out.push(tf.tidy(() => tf.add(tf.tensor(a, as), tf.tensor(b, bs)).dataSync() as Float32Array));
      }
      assert.equal(relMaxDiff(out[1]!, out[0]!), 0);
    });
  }
});
