/** mmx's Sum (a block of non-innermost axes in one pass) and Identity (shared data) on wasm against cpu. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel } from '../../src/backend/wasm-kernels/index.js';
import { reducedBlock } from '../../src/backend/wasm-kernels/sum.js';
import { randomArray, relMaxDiff, runKernelOn, size, use } from './helpers.js';

describe('wasm kernel Sum (mmx)', () => {
  it('is registered for wasm (Mean is not: tfjs is faster on its typical shapes)', async () => {
    await use('wasm');
    assert.ok(isMmxWasmKernel('Sum'));
    assert.ok(!isMmxWasmKernel('Mean'));
  });

  it('recognise a block of consecutive axes that keeps the last one', () => {
    assert.deepEqual(reducedBlock([0, 1, 2], 4), { first: 0, last: 2 });
    assert.deepEqual(reducedBlock([2, 1], 4), { first: 1, last: 2 });
    assert.deepEqual(reducedBlock([0], 2), { first: 0, last: 0 });
    assert.equal(reducedBlock([0, 1], 2), undefined); // includes the last axis: the original needs no transpose
    assert.equal(reducedBlock([1, 3], 4), undefined);
    assert.equal(reducedBlock([0, 2], 4), undefined);
    assert.equal(reducedBlock([], 4), undefined);
  });

  const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean; dtype?: 'int32' }[] = [
    { shape: [64, 14, 14, 16], axis: [0, 1, 2] }, // a conv bias gradient
    { shape: [64, 14, 14, 16], axis: [0, 1, 2], keepDims: true },
    { shape: [64, 14, 14, 16], axis: [1, 2] }, // block of 3136 values: the original
    { shape: [16, 28, 28, 16], axis: [1, 2] }, // a middle block of 12544 values
    { shape: [8, 9, 10, 11], axis: [2, 1], keepDims: true },
    { shape: [5, 7, 11, 13], axis: [1, 0] },
    { shape: [5, 7, 11, 13], axis: 1 },
    { shape: [2, 3, 5, 7, 40], axis: [0, 1, 2, 3] },
    { shape: [2, 3, 5, 7, 40], axis: [-4, -3] },
    { shape: [6, 7, 8, 9], axis: [1, 3] }, // not a block: the original
    { shape: [6, 7, 8, 9], axis: [2, 3] }, // innermost: the original
    { shape: [300, 37], axis: 0 }, // rank 2: the original
    { shape: [7, 33, 29], axis: [1, 0] }, // rank 3: the original
    { shape: [2, 2, 3, 5], axis: [0, 1] }, // tiny: the original
    { shape: [1, 1, 70, 80], axis: [0, 1] }, // one reduced row: the original
    { shape: [9, 10, 11, 12], axis: [0, 1], dtype: 'int32' },
  ];
  // Mean is tfjs's own; compared too, as a guard on the shapes this test builds
  for (const kernel of ['Sum', 'Mean'] as const) {
    for (const [i, c] of cases.entries()) {
      if (kernel === 'Mean' && c.dtype === 'int32') continue;
      it(`${kernel} matches cpu: ${c.dtype ?? 'float32'} [${c.shape.join(',')}] axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}`, async () => {
        const values =
          c.dtype === 'int32' ? Int32Array.from(randomArray(size(c.shape), i), (v) => Math.round(v * 100)) : randomArray(size(c.shape), i);
        const run = (backend: 'wasm' | 'cpu') =>
          runKernelOn(backend, kernel, { x: { shape: c.shape, values, dtype: c.dtype } }, { axis: c.axis, keepDims: c.keepDims ?? false });
        const cpu = await run('cpu');
        const wasm = await run('wasm');
        assert.deepEqual(wasm.shape, cpu.shape);
        assert.ok(relMaxDiff(wasm.values, cpu.values) < 1e-5, `rel diff ${relMaxDiff(wasm.values, cpu.values)}`);
      });
    }
  }

  it('gives the same global-average-pooling gradient as cpu', async () => {
    const grad = async (backend: 'wasm' | 'cpu') => {
      await use(backend);
      const x = tf.tensor4d(randomArray(8 * 10 * 10 * 6, 5), [8, 10, 10, 6]);
      const g = tf.grad((t: tf.Tensor) => tf.mean(t, [1, 2]).sin().sum())(x);
      const v = g.dataSync().slice();
      tf.dispose([x, g]);
      return v;
    };
    assert.ok(relMaxDiff(await grad('wasm'), await grad('cpu')) < 1e-5);
  });

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
    assert.ok(
      relMaxDiff(
        c.dataSync(),
        expected.map((v) => v + 1),
      ) < 1e-7,
    );
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
