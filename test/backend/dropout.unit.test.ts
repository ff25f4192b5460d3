import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { setSimdKernels } from '../../src/backend/simd/module.js';
import { MmxDropout } from '../../src/model/layers/dropout.js';
import { DROPOUT, dropout, setFusedDropout, usesDropoutKernel } from '../../src/ops/dropout.js';
import { randomArray, use } from './helpers.js';

/** dropout(x) and the gradient of sum(dropout(x) · w) with respect to x, as arrays. */
function forwardBackward(
  x: Float32Array,
  w: Float32Array,
  rate: number,
  seed: number,
  stream: number,
): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor(x);
    const wt = tf.tensor(w);
    const y = dropout(xt, rate, seed, stream).dataSync() as Float32Array;
    const dx = tf
      .grad((t: tf.Tensor) => dropout(t, rate, seed, stream).mul(wt).sum())(xt)
      .dataSync() as Float32Array;
    return { y: y.slice(), dx: dx.slice() };
  });
}

const dropped = (y: Float32Array): number => y.reduce((a, v) => a + (v === 0 ? 1 : 0), 0);

describe('dropout (MmxDropout)', () => {
  // 4099: SIMD blocks and a tail
  const n = 4099;
  const x = randomArray(n, 3).map((v) => v + 2); // no zeros of its own
  const w = randomArray(n, 4);

  it('draws the same mask on wasm (SIMD and its TypeScript loop) and cpu, scales kept values by 1/(1−rate), and the gradient uses that mask', async () => {
    const runs: { y: Float32Array; dx: Float32Array }[] = [];
    for (const [backend, simd] of [
      ['wasm', true],
      ['wasm', false],
      ['cpu', true],
    ] as const) {
      await use(backend);
      assert.ok(usesDropoutKernel(), `${DROPOUT} on ${backend}`);
      setSimdKernels(simd);
      try {
        runs.push(forwardBackward(x, w, 0.3, 17, 5));
      } finally {
        setSimdKernels(true);
      }
    }
    assert.deepEqual(runs[1], runs[0], 'wasm: SIMD vs TypeScript loop');
    assert.deepEqual(runs[2], runs[0], 'wasm vs cpu');
    const { y, dx } = runs[0]!;
    const scale = Math.fround(1 / 0.7);
    for (let i = 0; i < n; i++) {
      if (y[i] === 0) assert.ok(dx[i] === 0, `dropped element ${i} gets no gradient`);
      else {
        assert.equal(y[i], Math.fround(x[i]! * scale), `kept element ${i}`);
        assert.equal(dx[i], Math.fround(w[i]! * scale), `gradient of kept element ${i}`);
      }
    }
    const share = dropped(y) / n;
    assert.ok(Math.abs(share - 0.3) < 0.03, `dropped ${share}`);
  });

  it('a new mask for every stream (call) and seed; the same for the same pair; rate 0 is the identity', async () => {
    await use('wasm');
    const big = new Float32Array(100_000).fill(1);
    const mask = (seed: number, stream: number, rate = 0.5) =>
      tf.tidy(() => dropout(tf.tensor(big), rate, seed, stream).dataSync() as Float32Array);
    const a = mask(1, 0);
    assert.deepEqual(mask(1, 0), a);
    for (const other of [mask(1, 1), mask(2, 0)]) {
      const differ = a.reduce((acc, v, i) => acc + (v !== other[i] ? 1 : 0), 0) / big.length;
      assert.ok(Math.abs(differ - 0.5) < 0.01, `masks differ at ${differ} of the elements (independent masks: 0.5)`);
    }
    for (const rate of [0.1, 0.9]) {
      const share = dropped(mask(3, 7, rate)) / big.length;
      assert.ok(Math.abs(share - rate) < 0.01, `rate ${rate}: dropped ${share}`);
    }
    const t = tf.tensor(big);
    assert.equal(dropout(t, 0, 1, 1), t);
    t.dispose();
  });

  it("NaN stays NaN, dropped or kept (x · 0, as tfjs's dropout multiplies)", async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await use(backend);
      const y = tf.tidy(() => dropout(tf.fill([64], NaN), 0.5, 1, 1).dataSync());
      assert.ok(
        y.every((v) => Number.isNaN(v)),
        backend,
      );
    }
  });

  it("without the kernel (tfjs-node, webgl) it is tfjs's own dropout, with a new mask per call too", async () => {
    await use('wasm');
    setFusedDropout(false);
    try {
      assert.equal(usesDropoutKernel(), false);
      const ones = new Float32Array(20_000).fill(1);
      const [a, b] = [0, 1].map((stream) => tf.tidy(() => dropout(tf.tensor(ones), 0.4, 9, stream).dataSync() as Float32Array));
      const differ = a!.reduce((acc, v, i) => acc + (v !== b![i] ? 1 : 0), 0) / ones.length;
      assert.ok(differ > 0.3, `masks differ at ${differ}`);
      assert.ok(Math.abs(dropped(a!) / ones.length - 0.4) < 0.02);
    } finally {
      setFusedDropout(true);
    }
  });

  it('the layer draws a new mask every training call (tfjs’s seeded layer repeats one) and is the identity at inference', async () => {
    await use('wasm');
    const x1 = tf.ones([8, 64]);
    const layer = new MmxDropout({ rate: 0.5, seed: 42 });
    const train = () => tf.tidy(() => (layer.apply(x1, { training: true }) as tf.Tensor).dataSync() as Float32Array);
    const first = train();
    const second = train();
    assert.ok(
      first.some((v, i) => v !== second[i]),
      'two training calls, two masks',
    );
    const inference = tf.tidy(() => (layer.apply(x1) as tf.Tensor).dataSync());
    assert.ok(inference.every((v) => v === 1));
    // tfjs's own layer with a seed: the same mask every call (why mmx has its own)
    const stock = tf.layers.dropout({ rate: 0.5, seed: 42 });
    const s1 = tf.tidy(() => (stock.apply(x1, { training: true }) as tf.Tensor).dataSync());
    const s2 = tf.tidy(() => (stock.apply(x1, { training: true }) as tf.Tensor).dataSync());
    assert.deepEqual(s1, s2);
    x1.dispose();
  });
});
