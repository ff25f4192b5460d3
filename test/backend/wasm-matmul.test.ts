/**
 * mmx's BatchMatMul / _FusedMatMul on wasm (transposes, batches and broadcasts routed to XNNPACK) against the cpu
 * backend, and against tfjs-backend-wasm's own kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel, setMatMulStrategy } from '../../src/backend/wasm-kernels/index.js';
import { randomArray, relMaxDiff, runKernelOn, size, use } from './helpers.js';

interface Case {
  a: number[];
  b: number[];
  tA?: boolean;
  tB?: boolean;
}

const CASES: Case[] = [
  // Dense backward shapes (reference model): dW = xᵀ·dy, dx = dy·Wᵀ
  { a: [64, 1568], b: [64, 128], tA: true },
  { a: [64, 128], b: [1568, 128], tB: true },
  // LSTM step shapes
  { a: [64, 256], b: [64, 256], tB: true },
  { a: [64, 48], b: [64, 256], tA: true },
  // odd sizes, batch 1, both transposed
  { a: [1, 37], b: [53, 37], tB: true },
  { a: [37, 1], b: [37, 53], tA: true },
  { a: [45, 33], b: [71, 45], tA: true, tB: true },
  { a: [129, 65], b: [65, 67] },
  { a: [3, 5], b: [7, 3], tA: true, tB: true },
  // batches: folded (one right matrix), true batches, broadcast batch dims
  { a: [4, 33, 40], b: [40, 50] },
  { a: [4, 40, 33], b: [50, 40], tA: true, tB: true },
  { a: [3, 30, 40], b: [3, 40, 50] },
  { a: [3, 30, 40], b: [3, 50, 40], tB: true },
  { a: [3, 40, 30], b: [3, 40, 50], tA: true },
  { a: [1, 30, 40], b: [3, 40, 50] },
  { a: [1, 30, 40], b: [3, 50, 40], tB: true },
  { a: [3, 40, 30], b: [1, 40, 50], tA: true },
  { a: [2, 3, 40, 30], b: [40, 50], tA: true },
];

const label = (c: Case) => `[${c.a.join(',')}]${c.tA ? 'ᵀ' : ''} × [${c.b.join(',')}]${c.tB ? 'ᵀ' : ''}`;

async function matmulOn(backend: 'wasm' | 'cpu', c: Case, seed: number) {
  return runKernelOn(
    backend,
    'BatchMatMul',
    { a: { shape: c.a, values: randomArray(size(c.a), seed) }, b: { shape: c.b, values: randomArray(size(c.b), seed + 1) } },
    { transposeA: c.tA === true, transposeB: c.tB === true },
  );
}

describe('wasm kernel BatchMatMul (mmx)', () => {
  it('is registered for wasm', async () => {
    await use('wasm');
    assert.ok(isMmxWasmKernel('BatchMatMul'));
    assert.ok(isMmxWasmKernel('_FusedMatMul'));
  });

  for (const [i, c] of CASES.entries()) {
    it(`matches cpu: ${label(c)}`, async () => {
      const cpu = await matmulOn('cpu', c, 10 + i);
      const wasm = await matmulOn('wasm', c, 10 + i);
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.ok(relMaxDiff(wasm.values, cpu.values) < 1e-5, `rel diff ${relMaxDiff(wasm.values, cpu.values)}`);
    });
  }

  it('gives the same result as the original wasm kernel (which the cpu comparison could share a bug with)', async () => {
    for (const [i, c] of CASES.slice(0, 6).entries()) {
      setMatMulStrategy('original');
      let original;
      try {
        original = await matmulOn('wasm', c, 50 + i);
      } finally {
        setMatMulStrategy('auto');
      }
      const mmx = await matmulOn('wasm', c, 50 + i);
      assert.ok(relMaxDiff(mmx.values, original.values) < 1e-5, label(c));
    }
  });

  it('never reuses a packed right operand across shapes of the same tensor data', async () => {
    // XNNPACK caches the packed right operand under the tensor id: one data buffer used as [12, 8] and then
    // (reshaped) as [8, 12] must still give the right product.
    await use('wasm');
    const a1 = tf.tensor2d(randomArray(5 * 12, 1), [5, 12]);
    const a2 = tf.tensor2d(randomArray(5 * 8, 2), [5, 8]);
    const w = tf.tensor2d(randomArray(96, 3), [12, 8]);
    const wv = w.dataSync().slice();
    const first = tf.matMul(a1, w).dataSync().slice();
    const second = tf
      .matMul(a2, w.reshape([8, 12]))
      .dataSync()
      .slice();
    await use('cpu');
    const w1 = tf.tensor2d(wv, [12, 8]);
    const ref1 = tf.matMul(tf.tensor2d(randomArray(5 * 12, 1), [5, 12]), w1).dataSync();
    const ref2 = tf.matMul(tf.tensor2d(randomArray(5 * 8, 2), [5, 8]), w1.reshape([8, 12])).dataSync();
    assert.ok(relMaxDiff(first, ref1) < 1e-5);
    assert.ok(relMaxDiff(second, ref2) < 1e-5, `rel diff ${relMaxDiff(second, ref2)}`);
    tf.dispose([a1, a2, w]);
  });

  it('does not leak wasm memory', async () => {
    await use('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ts = CASES.map((c, i) => [tf.tensor(randomArray(size(c.a), i), c.a), tf.tensor(randomArray(size(c.b), i + 1), c.b)] as const);
    const run = () => CASES.forEach((c, i) => tf.matMul(ts[i]![0], ts[i]![1], c.tA, c.tB).dispose());
    run();
    const before = backend.numDataIds();
    run();
    run();
    assert.equal(backend.numDataIds(), before);
    tf.dispose(ts.flat());
  });

  it('is faster than the original kernel on the Dense backward shapes (timings in the diagnostics)', async (t) => {
    await use('wasm');
    for (const c of CASES.slice(0, 2)) {
      const a = tf.tensor(randomArray(size(c.a), 1), c.a);
      const b = tf.tensor(randomArray(size(c.b), 2), c.b);
      const time = (s: 'auto' | 'original') => {
        setMatMulStrategy(s);
        try {
          tf.matMul(a, b, c.tA, c.tB).dispose();
          const t0 = performance.now();
          for (let i = 0; i < 5; i++) tf.matMul(a, b, c.tA, c.tB).dispose();
          return (performance.now() - t0) / 5;
        } finally {
          setMatMulStrategy('auto');
        }
      };
      const original = time('original');
      const mmx = time('auto');
      t.diagnostic(`${label(c)}: original ${original.toFixed(1)} ms, mmx ${mmx.toFixed(1)} ms`);
      // ~4-7x measured; a generous bound that still catches a fall-back to the scalar loop
      assert.ok(mmx < original, `${label(c)}: mmx ${mmx.toFixed(1)} ms vs original ${original.toFixed(1)} ms`);
      tf.dispose([a, b]);
    }
  });
});

describe('wasm kernel _FusedMatMul (mmx)', () => {
  const fusedCases: (Case & { activation: string; bias: boolean })[] = [
    { a: [64, 300], b: [300, 128], activation: 'relu', bias: true },
    { a: [64, 300], b: [128, 300], tB: true, activation: 'linear', bias: true },
    { a: [300, 64], b: [300, 128], tA: true, activation: 'relu', bias: false },
    { a: [4, 33, 40], b: [50, 40], tB: true, activation: 'sigmoid', bias: true },
    { a: [3, 30, 40], b: [3, 40, 50], activation: 'relu', bias: true },
    // small and transposed: tfjs-backend-wasm's scalar loop adds this bias at the wrong index, ceil(K/48) times
    { a: [60, 5], b: [60, 7], tA: true, activation: 'linear', bias: true },
  ];
  for (const [i, c] of fusedCases.entries()) {
    it(`matches cpu: ${label(c)} ${c.activation}${c.bias ? ' + bias' : ''}`, async () => {
      const n = c.tB ? c.b[c.b.length - 2]! : c.b[c.b.length - 1]!;
      const run = async (backend: 'wasm' | 'cpu') => {
        await use(backend);
        const a = tf.tensor(randomArray(size(c.a), 70 + i), c.a);
        const b = tf.tensor(randomArray(size(c.b), 71 + i), c.b);
        const bias = c.bias ? tf.tensor1d(randomArray(n, 72 + i)) : undefined;
        const out = tf.fused.matMul({ a, b, transposeA: c.tA, transposeB: c.tB, bias, activation: c.activation as 'relu' });
        const values = out.dataSync().slice();
        const shape = out.shape;
        tf.dispose([a, b, out, ...(bias ? [bias] : [])]);
        return { values, shape };
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      assert.deepEqual(wasm.shape, cpu.shape);
      assert.ok(relMaxDiff(wasm.values, cpu.values) < 1e-5, `rel diff ${relMaxDiff(wasm.values, cpu.values)}`);
    });
  }

  it('gives the same Dense-layer gradients as cpu (fused forward, transposed products backward)', async () => {
    const grads = async (backend: 'wasm' | 'cpu') => {
      await use(backend);
      const x = tf.tensor2d(randomArray(33 * 70, 1), [33, 70]);
      const w = tf.tensor2d(randomArray(70 * 45, 2), [70, 45]);
      const bias = tf.tensor1d(randomArray(45, 3));
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.fused
          .matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: 'relu' })
          .square()
          .sum() as tf.Scalar;
      const g = tf.grads(f)([x, w, bias]);
      const out = g.map((t) => t.dataSync().slice());
      tf.dispose([x, w, bias, ...g]);
      return out;
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    for (let i = 0; i < cpu.length; i++) assert.ok(relMaxDiff(wasm[i]!, cpu[i]!) < 1e-5, `grad ${i}: ${relMaxDiff(wasm[i]!, cpu[i]!)}`);
  });
});
