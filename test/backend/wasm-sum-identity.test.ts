/** mmx's Sum (leading axes in one pass) and Identity (shared data) on wasm against the cpu backend. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel } from '../../src/backend/wasm-kernels/index.js';
import { leadingAxes } from '../../src/backend/wasm-kernels/sum.js';
import { randomArray, relMaxDiff, runKernelOn, size, use } from './helpers.js';

describe('wasm kernel Sum (mmx)', () => {
  it('is registered for wasm', async () => {
    await use('wasm');
    assert.ok(isMmxWasmKernel('Sum'));
  });

  it('recognises leading axes only', () => {
    assert.equal(leadingAxes([0, 1, 2], 4), 3);
    assert.equal(leadingAxes([1, 0], 3), 2);
    assert.equal(leadingAxes([0], 2), 1);
    assert.equal(leadingAxes([0, 1], 2), undefined); // every axis: the original
    assert.equal(leadingAxes([1, 2], 4), undefined);
    assert.equal(leadingAxes([0, 2], 3), undefined);
  });

  const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean; dtype?: 'int32' }[] = [
    { shape: [64, 14, 14, 16], axis: [0, 1, 2] }, // a conv bias gradient
    { shape: [64, 14, 14, 16], axis: [0, 1, 2], keepDims: true },
    { shape: [5, 7, 11, 13], axis: [1, 0] },
    { shape: [2, 3, 5, 7, 40], axis: [0, 1, 2, 3] },
    { shape: [2, 3, 5, 7, 40], axis: [-5, -4] },
    { shape: [300, 37], axis: 0 }, // a dense bias gradient
    { shape: [300, 37], axis: [-2] },
    { shape: [7, 33, 29], axis: [1, 0] },
    { shape: [7, 33, 29], axis: [1, 2] }, // innermost: the original
    { shape: [7, 33, 29], axis: [0, 2] }, // not a prefix: the original
    { shape: [70, 80], axis: [0, 1] },
    { shape: [3, 5], axis: 0 }, // tiny: the original
    { shape: [1, 4100], axis: 0 },
    { shape: [90, 60], axis: 0, dtype: 'int32' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches cpu: ${c.dtype ?? 'float32'} [${c.shape.join(',')}] axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}`, async () => {
      const values = c.dtype === 'int32' ? Int32Array.from(randomArray(size(c.shape), i), (v) => Math.round(v * 100)) : randomArray(size(c.shape), i);
      const run = (backend: 'wasm' | 'cpu') =>
        runKernelOn(backend, 'Sum', { x: { shape: c.shape, values, dtype: c.dtype } }, { axis: c.axis, keepDims: c.keepDims ?? false });
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.ok(relMaxDiff(wasm.values, cpu.values) < 1e-5, `rel diff ${relMaxDiff(wasm.values, cpu.values)}`);
    });
  }

  it('gives the same conv bias gradient as cpu through tf.grad', async () => {
    const grad = async (backend: 'wasm' | 'cpu') => {
      await use(backend);
      const x = tf.tensor4d(randomArray(8 * 10 * 10 * 6, 1), [8, 10, 10, 6]);
      const b = tf.tensor1d(randomArray(6, 2));
      const g = tf.grad((bb: tf.Tensor) => tf.add(x, bb).square().sum())(b);
      const v = g.dataSync().slice();
      tf.dispose([x, b, g]);
      return v;
    };
    assert.ok(relMaxDiff(await grad('wasm'), await grad('cpu')) < 1e-5);
  });
});

describe('wasm kernel Identity (mmx)', () => {
  it('shares the data: a clone outlives its source and nothing leaks', async () => {
    await use('wasm');
    assert.ok(isMmxWasmKernel('Identity'));
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const a = tf.tensor2d(randomArray(12, 3), [3, 4]);
    const expected = a.dataSync().slice();
    const b = tf.clone(a);
    assert.equal(backend.numDataIds(), before + 1, 'no copy');
    a.dispose();
    assert.deepEqual(b.dataSync(), expected);
    const c = b.add(1);
    assert.ok(relMaxDiff(c.dataSync(), expected.map((v) => v + 1)) < 1e-7);
    tf.dispose([b, c]);
    assert.equal(backend.numDataIds(), before);
  });

  it('keeps int32 and bool dtypes, and strings on the original path', async () => {
    await use('wasm');
    const i = tf.tensor1d([1, 2, 3], 'int32');
    assert.deepEqual(Array.from(tf.clone(i).dataSync()), [1, 2, 3]);
    assert.equal(tf.clone(i).dtype, 'int32');
    const s = tf.tensor1d(['a', 'b'], 'string');
    assert.deepEqual(tf.clone(s).arraySync(), ['a', 'b']);
  });
});
