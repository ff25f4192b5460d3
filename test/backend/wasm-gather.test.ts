/** mmx's GatherV2 on wasm (slice copies) against the cpu backend, and its speed against tfjs-backend-wasm's. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel, setGatherStrategy } from '../../src/backend/wasm-kernels/index.js';
import { randomArray, relMaxDiff, size, use } from './helpers.js';

interface Case {
  x: number[];
  indices: number[][] | number[];
  axis: number;
  batchDims?: number;
  dtype?: 'float32' | 'int32' | 'bool';
}

const CASES: Case[] = [
  {
    x: [20, 6],
    indices: [
      [3, 4, 5, 0],
      [19, 0, 0, 7],
    ],
    axis: 0,
  }, // an embedding lookup
  { x: [20, 48], indices: [1, 1, 2, 19, 0], axis: 0 },
  { x: [3, 10, 4], indices: [9, 0, 4], axis: 1 },
  {
    x: [3, 10, 4],
    indices: [
      [3, 2],
      [1, 0],
    ],
    axis: -1,
  }, // slice 1
  { x: [12, 5], indices: [11, 3], axis: 0, dtype: 'int32' },
  { x: [6, 3], indices: [5, 0, 2], axis: 0, dtype: 'bool' },
  { x: [20, 6], indices: [], axis: 0 },
  {
    x: [2, 5, 3],
    indices: [
      [4, 0],
      [1, 1],
    ],
    axis: 1,
    batchDims: 1,
  }, // batch dims: the original
];

async function gatherOn(backend: 'wasm' | 'cpu', c: Case, seed: number) {
  await use(backend);
  const values = randomArray(size(c.x), seed);
  const x =
    c.dtype === 'int32'
      ? tf.tensor(
          Int32Array.from(values, (v) => Math.round(v * 100)),
          c.x,
          'int32',
        )
      : c.dtype === 'bool'
        ? tf.tensor(
            Array.from(values, (v) => v > 0),
            c.x,
            'bool',
          )
        : tf.tensor(values, c.x);
  const idx = tf.tensor(c.indices, undefined, 'int32');
  const out = tf.gather(x, idx, c.axis, c.batchDims ?? 0);
  const result = { shape: out.shape, values: Array.from(out.dataSync()), dtype: out.dtype };
  tf.dispose([x, idx, out]);
  return result;
}

describe('wasm kernel GatherV2 (mmx)', () => {
  it('is registered for wasm', async () => {
    await use('wasm');
    assert.ok(isMmxWasmKernel('GatherV2'));
  });

  for (const [i, c] of CASES.entries()) {
    it(`matches cpu: ${c.dtype ?? 'float32'} x [${c.x.join(',')}] indices ${JSON.stringify(c.indices)} axis ${c.axis}${c.batchDims ? ` batchDims ${c.batchDims}` : ''}`, async () => {
      const cpu = await gatherOn('cpu', c, i);
      const wasm = await gatherOn('wasm', c, i);
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.equal(wasm.dtype, cpu.dtype);
      assert.deepEqual(wasm.values, cpu.values);
    });
  }

  it('rejects an index out of range with tfjs message', async () => {
    await use('wasm');
    const x = tf.zeros([4, 3]);
    const idx = tf.tensor1d([0, 4], 'int32');
    assert.throws(() => tf.gather(x, idx), /GatherV2: the index value 4 is not in \[0, 3\]/);
    tf.dispose([x, idx]);
  });

  it('gives the same embedding gradient as cpu (gather forward, UnsortedSegmentSum backward)', async () => {
    const grad = async (backend: 'wasm' | 'cpu') => {
      await use(backend);
      const table = tf.tensor2d(randomArray(30 * 8, 4), [30, 8]);
      const idx = tf.tensor2d(
        [
          [1, 2, 2, 29],
          [0, 0, 5, 1],
        ],
        undefined,
        'int32',
      );
      const g = tf.grad((t: tf.Tensor) => tf.gather(t, idx).sin().sum())(table);
      const v = g.dataSync().slice();
      tf.dispose([table, idx, g]);
      return v;
    };
    assert.ok(relMaxDiff(await grad('wasm'), await grad('cpu')) < 1e-6);
  });

  it('is faster than the original on an LSTM-bench embedding lookup (timings in the diagnostics)', async (t) => {
    await use('wasm');
    const table = tf.randomNormal([3500, 48]);
    const idx = tf.tensor2d(
      Int32Array.from({ length: 64 * 64 }, (_, i) => (i * 7919) % 3500),
      [64, 64],
      'int32',
    );
    const time = (s: 'auto' | 'original') => {
      setGatherStrategy(s);
      try {
        tf.gather(table, idx).dispose();
        const t0 = performance.now();
        for (let i = 0; i < 10; i++) tf.gather(table, idx).dispose();
        return (performance.now() - t0) / 10;
      } finally {
        setGatherStrategy('auto');
      }
    };
    const original = time('original');
    const mmx = time('auto');
    t.diagnostic(`gather [3500,48] by [64,64]: original ${original.toFixed(2)} ms, mmx ${mmx.toFixed(2)} ms`);
    assert.ok(mmx < original, `mmx ${mmx.toFixed(2)} ms vs original ${original.toFixed(2)} ms`);
    tf.dispose([table, idx]);
  });
});
