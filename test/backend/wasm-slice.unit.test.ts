/** mmx's Slice, SplitV and Unpack on wasm (slices read on the heap; a whole slice shared) against the cpu backend. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel, setSliceStrategy } from '../../src/backend/wasm-kernels/index.js';
import { sliceRuns } from '../../src/backend/wasm-kernels/slice.js';
import { randomArray, size, use } from './helpers.js';

type DType = 'float32' | 'int32' | 'bool';

/** Values of `dtype` for a tensor of `shape`, different for every element (bool: a pattern). */
function values(shape: number[], dtype: DType, seed: number): Float32Array | Int32Array | Uint8Array {
  const r = randomArray(size(shape), seed);
  if (dtype === 'float32') return r;
  if (dtype === 'int32') return Int32Array.from(r, (v, i) => Math.round(v * 1000) + i);
  return Uint8Array.from(r, (v) => (v > 0 ? 1 : 0));
}

/** Runs `op` on a tensor of `shape` on `backend`; the outputs' shapes and values. */
async function on(
  backend: 'wasm' | 'cpu',
  shape: number[],
  dtype: DType,
  seed: number,
  op: (x: tf.Tensor) => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; values: number[] }[]> {
  await use(backend);
  const x = tf.tensor(values(shape, dtype, seed), shape, dtype);
  const result = op(x);
  const outs = Array.isArray(result) ? result : [result];
  // read after the input is gone: a shared (whole) slice must keep its data alive
  x.dispose();
  const read = outs.map((o) => ({ shape: o.shape, values: Array.from(o.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  return read;
}

async function same(shape: number[], dtype: DType, seed: number, op: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]): Promise<void> {
  const cpu = await on('cpu', shape, dtype, seed, op);
  const wasm = await on('wasm', shape, dtype, seed, op);
  assert.deepEqual(wasm, cpu);
}

describe('wasm kernels Slice, SplitV, Unpack (mmx)', () => {
  it('are registered for wasm', async () => {
    await use('wasm');
    for (const k of ['Slice', 'SplitV', 'Unpack']) assert.ok(isMmxWasmKernel(k), k);
  });

  it('cut a slice into contiguous runs: whole inner axes and the first partial one form one run', () => {
    assert.deepEqual(sliceRuns([300, 101, 40], [0, 0, 0], [256, 101, 40]), { length: 256 * 101 * 40, count: 1, outer: -1 });
    assert.deepEqual(sliceRuns([4, 5, 6], [1, 2, 0], [2, 3, 6]), { length: 18, count: 2, outer: 0 });
    assert.deepEqual(sliceRuns([4, 5, 6], [0, 0, 1], [4, 5, 4]), { length: 4, count: 20, outer: 1 });
    assert.deepEqual(sliceRuns([7], [2], [3]), { length: 3, count: 1, outer: -1 });
  });

  const slices: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [300, 101, 40], begin: [0, 0, 0], size: [256, 101, 40] }, // model.predict's batch of an audio input
    { shape: [256, 101, 40], begin: [0, 0, 0], size: [256, 101, 40] }, // the whole tensor: shared
    { shape: [10, 7], begin: [3, 0], size: [4, 7] },
    { shape: [10, 7], begin: [3, 2], size: [4, 3] },
    { shape: [64, 256], begin: [0, 128], size: [64, 64] }, // an LSTM gate out of z
    { shape: [4, 5, 6], begin: [1, 2, 1], size: [2, 3, 4] },
    { shape: [4, 5, 6], begin: [0, 0, 5], size: [4, 5, 1] },
    { shape: [3, 4, 5, 6], begin: [1, 0, 2, 0], size: [2, 4, 3, 6] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 1, 0, 2, 3], size: [1, 2, 4, 3, 2] },
    { shape: [9], begin: [4], size: [5] },
    { shape: [5, 6], begin: [2, 3], size: [0, 3] }, // empty
  ];
  for (const [i, c] of slices.entries()) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`Slice matches cpu: ${dtype} [${c.shape.join(',')}] from [${c.begin.join(',')}] size [${c.size.join(',')}]`, async () => {
        await same(c.shape, dtype, i, (x) => tf.slice(x, c.begin, c.size));
      });
    }
  }

  it('SplitV matches cpu: equal parts and given sizes, along every axis', async () => {
    await same([64, 256], 'float32', 1, (x) => tf.split(x, 4, 1));
    await same([6, 10, 4], 'float32', 2, (x) => tf.split(x, [3, 5, 2], 1));
    await same([6, 10, 4], 'int32', 3, (x) => tf.split(x, 2, 0));
    await same([6, 10, 4], 'float32', 4, (x) => tf.split(x, [1, -1], 2));
  });

  it('Unpack matches cpu along every axis (the axis dropped from the shape)', async () => {
    await same([5, 3, 4], 'float32', 5, (x) => tf.unstack(x, 0));
    await same([5, 3, 4], 'float32', 6, (x) => tf.unstack(x, 1));
    await same([5, 3, 4], 'int32', 7, (x) => tf.unstack(x, 2));
    await same([1, 8], 'float32', 8, (x) => tf.unstack(x, 0)); // one whole part: shared
  });

  it('a whole-tensor slice shares the data (no new buffer); tfjs’s own kernel copies it', async () => {
    await use('wasm');
    const x = tf.randomNormal([32, 16]);
    const count = (): number => tf.engine().backend.numDataIds();
    try {
      const before = count();
      const y = tf.slice(x, [0, 0], [32, 16]);
      assert.equal(count(), before, 'mmx: no new data');
      y.dispose();
      setSliceStrategy('original');
      const z = tf.slice(x, [0, 0], [32, 16]);
      assert.equal(count(), before + 1, 'the original: a copy');
      z.dispose();
    } finally {
      setSliceStrategy('auto');
      x.dispose();
    }
  });

  it('gradients through slice, split and unstack match cpu', async () => {
    const f = (x: tf.Tensor): tf.Tensor => {
      const [a, b] = tf.split(x, 2, 1);
      const rows = tf.unstack(tf.slice(x, [1, 0], [3, 8]), 0);
      return tf.add(tf.sum(tf.mul(a!, b!)), tf.sum(tf.stack(rows.map((r, i) => tf.mul(r, i + 1)))));
    };
    await same([5, 8], 'float32', 9, (x) => tf.grad(f)(x));
  });
});
