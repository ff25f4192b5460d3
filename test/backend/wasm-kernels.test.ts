import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { missingKernels } from '../../src/backend/select.js';
import {
  isMmxWasmKernel,
  registerWasmKernels,
  setConv2dBackpropFilterStrategy,
  WASM_EXTRA_KERNELS,
  WASM_REPLACED_KERNELS,
} from '../../src/backend/wasm-kernels/index.js';
import { setSimdKernels } from '../../src/backend/simd/module.js';
import { randomArray, relMaxDiff, runKernelOn, size, use } from './helpers.js';

type Pad = 'valid' | 'same' | number | number[][];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function dyShape(c: ConvCase, dilations: number | [number, number] = 1): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad as 'same', c.dimRoundingMode);
  return info.outShape;
}

async function filterGrad(backend: 'wasm' | 'cpu', c: ConvCase, seed: number, extraAttrs: Record<string, unknown> = {}) {
  const dy = dyShape(c, (extraAttrs['dilations'] as number | [number, number] | undefined) ?? 1);
  return runKernelOn(
    backend,
    'Conv2DBackpropFilter',
    {
      x: { shape: c.x, values: randomArray(size(c.x), seed) },
      dy: { shape: dy, values: randomArray(size(dy), seed + 1) },
    },
    { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter, ...extraAttrs },
  );
}

/** Textbook definition, six nested loops; geometry from tfjs-core so padding means exactly what tfjs means. */
function referenceFilterGrad(c: ConvCase, x: Float32Array, dy: Float32Array, dilations: [number, number]): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad as 'same', c.dimRoundingMode);
  const [N, H, W, C] = c.x;
  const [FH, FW, , O] = c.filter;
  const out = new Float32Array(FH * FW * C * O);
  for (let fr = 0; fr < FH; fr++)
    for (let fc = 0; fc < FW; fc++)
      for (let ci = 0; ci < C; ci++)
        for (let co = 0; co < O; co++) {
          let s = 0;
          for (let b = 0; b < N; b++)
            for (let yr = 0; yr < info.outHeight; yr++)
              for (let yc = 0; yc < info.outWidth; yc++) {
                const xr = yr * info.strideHeight - info.padInfo.top + fr * dilations[0];
                const xc = yc * info.strideWidth - info.padInfo.left + fc * dilations[1];
                if (xr < 0 || xr >= H || xc < 0 || xc >= W) continue;
                s += x[((b * H + xr) * W + xc) * C + ci]! * dy[((b * info.outHeight + yr) * info.outWidth + yc) * O + co]!;
              }
          out[((fr * FW + fc) * C + ci) * O + co] = s;
        }
  return out;
}

const CASES: ConvCase[] = [
  { name: '3x3 same stride 1', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x2 valid stride 2', x: [2, 9, 8, 2], filter: [3, 2, 2, 5], strides: 2, pad: 'valid' },
  { name: '2x4 same strides [2,1] (even filter)', x: [3, 6, 9, 4], filter: [2, 4, 4, 3], strides: [2, 1], pad: 'same' },
  { name: '5x5 same stride 3 (pad larger than input rows)', x: [1, 4, 5, 2], filter: [5, 5, 2, 2], strides: 3, pad: 'same' },
  {
    name: 'explicit padding',
    x: [2, 6, 5, 3],
    filter: [3, 3, 3, 2],
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { name: 'numeric pad 1 with round', x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'round' },
  { name: 'conv1d as conv2d, kernel 1x5 same', x: [4, 1, 20, 6], filter: [1, 5, 6, 8], strides: 1, pad: 'same' },
  { name: 'conv1d as conv2d, kernel 1x3 valid stride 2', x: [3, 1, 17, 5], filter: [1, 3, 5, 7], strides: [1, 2], pad: 'valid' },
  { name: '1x1 filter', x: [2, 5, 5, 8], filter: [1, 1, 8, 4], strides: 1, pad: 'valid' },
  { name: 'single input channel (first image layer)', x: [4, 10, 10, 1], filter: [3, 3, 1, 6], strides: 1, pad: 'same' },
];

describe('wasm kernel Conv2DBackpropFilter', () => {
  for (const [i, c] of CASES.entries()) {
    it(`matches cpu: ${c.name}`, async () => {
      const expected = await filterGrad('cpu', c, 100 + i);
      for (const strategy of ['auto', 'gemm', 'direct'] as const) {
        setConv2dBackpropFilterStrategy(strategy);
        try {
          const actual = await filterGrad('wasm', c, 100 + i);
          assert.deepEqual(actual.shape, c.filter);
          const d = relMaxDiff(actual.values, expected.values);
          assert.ok(d <= 1e-4, `${strategy}: relative max abs diff ${d}`);
        } finally {
          setConv2dBackpropFilterStrategy('auto');
        }
      }
    });
  }

  it('matches cpu when the batch is split into several im2col chunks', async () => {
    // K·outH·outW·batch = 144·1024·32 > 4M elements, so the kernel runs two chunks and accumulates.
    const c: ConvCase = { name: 'chunked', x: [32, 32, 32, 16], filter: [3, 3, 16, 4], strides: 1, pad: 'same' };
    const expected = await filterGrad('cpu', c, 7);
    const actual = await filterGrad('wasm', c, 7);
    const d = relMaxDiff(actual.values, expected.values);
    assert.ok(d <= 1e-4, `relative max abs diff ${d}`);
  });

  it('supports dilations (checked against a textbook reference; the cpu kernel ignores dilations)', async () => {
    const c: ConvCase = { name: 'dilated', x: [2, 9, 10, 3], filter: [3, 2, 3, 4], strides: 1, pad: 'same' };
    for (const dilations of [
      [2, 2],
      [1, 3],
      // along the height only: the SIMD kernel's im2col-free route
      [3, 1],
    ] as [number, number][]) {
      const dy = dyShape(c, dilations);
      const x = randomArray(size(c.x), 5);
      const dyv = randomArray(size(dy), 6);
      const expected = referenceFilterGrad(c, x, dyv, dilations);
      for (const strategy of ['auto', 'gemm', 'direct'] as const) {
        setConv2dBackpropFilterStrategy(strategy);
        try {
          const actual = await runKernelOn(
            'wasm',
            'Conv2DBackpropFilter',
            { x: { shape: c.x, values: x }, dy: { shape: dy, values: dyv } },
            { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter, dilations },
          );
          const d = relMaxDiff(actual.values, expected);
          assert.ok(d <= 1e-4, `${strategy} dilations ${dilations}: relative max abs diff ${d}`);
        } finally {
          setConv2dBackpropFilterStrategy('auto');
        }
      }
    }
  });

  it('agrees with the textbook reference on a plain case too (guards the cpu comparison itself)', async () => {
    const c = CASES[1]!;
    const dy = dyShape(c);
    const x = randomArray(size(c.x), 11);
    const dyv = randomArray(size(dy), 12);
    const actual = await runKernelOn(
      'wasm',
      'Conv2DBackpropFilter',
      { x: { shape: c.x, values: x }, dy: { shape: dy, values: dyv } },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
    );
    assert.ok(relMaxDiff(actual.values, referenceFilterGrad(c, x, dyv, [1, 1])) <= 1e-4);
  });

  it('gives the same filter gradient as cpu through tf.grad of a conv2d', async () => {
    const xs = randomArray(2 * 8 * 8 * 3, 21);
    const ws = randomArray(3 * 3 * 3 * 5, 22);
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const g = tf.tidy(() => {
        const x = tf.tensor4d(xs, [2, 8, 8, 3]);
        const w = tf.tensor4d(ws, [3, 3, 3, 5]);
        const f = (filter: tf.Tensor) =>
          tf
            .conv2d(x, filter as tf.Tensor4D, 2, 'same')
            .square()
            .sum();
        return tf.grad(f)(w);
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    assert.ok(relMaxDiff(grads[1]!, grads[0]!) <= 1e-4);
  });

  it('rejects NCHW and inconsistent shapes with clear errors', async () => {
    await use('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 3]);
    try {
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
        /supports dataFormat 'NHWC' only, got 'NCHW'/,
      );
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }),
        /dy has shape \[1, 5, 5, 3\] but .* gives \[1, 3, 3, 3\]/,
      );
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 3] }),
        /has 4 input channels but x/,
      );
    } finally {
      x.dispose();
      dy.dispose();
    }
  });

  it('does not leak wasm memory', async () => {
    await use('wasm');
    const x = tf.tensor4d(randomArray(4 * 6 * 6 * 3, 1), [4, 6, 6, 3]);
    const dy = tf.tensor4d(randomArray(4 * 6 * 6 * 2, 2), [4, 6, 6, 2]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const run = () =>
      (
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 2] },
          ) as tf.Tensor
      ).dispose();
    run();
    const before = backend.numDataIds();
    for (let i = 0; i < 5; i++) run();
    assert.equal(backend.numDataIds(), before);
    x.dispose();
    dy.dispose();
  });

  it('is faster than the plain-JS loop for the AV-MNIST encoder shapes (timings in the diagnostics)', async (t) => {
    await use('wasm');
    const shapes: [string, ConvCase][] = [
      ['conv2d 64x14x14x32 -> 3x3x32x64 same', { name: '', x: [64, 14, 14, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'same' }],
      ['conv1d 64x1x100x40 -> 1x5x40x64 same', { name: '', x: [64, 1, 100, 40], filter: [1, 5, 40, 64], strides: 1, pad: 'same' }],
      ['conv1d 64x1x50x64 -> 1x5x64x128 same', { name: '', x: [64, 1, 50, 64], filter: [1, 5, 64, 128], strides: 1, pad: 'same' }],
    ];
    for (const [label, c] of shapes) {
      const x = tf.tensor4d(randomArray(size(c.x), 3), c.x);
      const dy = tf.randomNormal(dyShape(c));
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
      const run = () =>
        (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dispose();
      const ms: Record<'auto' | 'direct', number> = { auto: Infinity, direct: Infinity };
      for (const s of ['direct', 'auto'] as const) {
        setConv2dBackpropFilterStrategy(s);
        try {
          run();
          const n = 3;
          const t0 = performance.now();
          for (let i = 0; i < n; i++) run();
          ms[s] = (performance.now() - t0) / n;
        } finally {
          setConv2dBackpropFilterStrategy('auto');
        }
      }
      t.diagnostic(`${label}: auto ${ms.auto.toFixed(1)} ms, plain-JS loop ${ms.direct.toFixed(1)} ms per call`);
      // Catches a fall-back to the plain-JS loop by two timings taken side by side in this process (the SIMD kernel
      // is ~10x faster here), not by an absolute time a loaded machine would miss.
      assert.ok(ms.auto < ms.direct / 2, `${label}: auto ${ms.auto.toFixed(0)} ms vs plain-JS loop ${ms.direct.toFixed(0)} ms`);
      x.dispose();
      dy.dispose();
    }
  });
});

describe('wasm kernel UnsortedSegmentSum', () => {
  const cases: { name: string; x: number[]; ids: number[]; numSegments: number; dtype?: 'int32' }[] = [
    { name: 'rows with repeated ids', x: [10, 3], ids: [0, 2, 2, 4, 1, 0, 3, 3, 3, 2], numSegments: 5 },
    { name: 'ids out of range are dropped', x: [6, 4], ids: [1, -1, 7, 0, 1, 3], numSegments: 4 },
    { name: 'vector x', x: [7], ids: [3, 3, 0, 1, 1, 1, 2], numSegments: 6 },
    { name: 'rank-3 x (embedding-like)', x: [6, 2, 3], ids: [5, 0, 5, 2, 1, 0], numSegments: 6 },
    { name: 'int32 x', x: [5, 2], ids: [1, 0, 1, 1, 0], numSegments: 2, dtype: 'int32' },
    { name: 'no ids at all for some segments', x: [3, 2], ids: [0, 0, 0], numSegments: 3 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`matches cpu: ${c.name}`, async () => {
      const xv =
        c.dtype === 'int32' ? Int32Array.from(randomArray(size(c.x), 50 + i), (v) => Math.round(v * 100)) : randomArray(size(c.x), 50 + i);
      const inputs = {
        x: { shape: c.x, values: xv, dtype: c.dtype ?? ('float32' as const) },
        segmentIds: { shape: [c.ids.length], values: Int32Array.from(c.ids), dtype: 'int32' as const },
      };
      const expected = await runKernelOn('cpu', 'UnsortedSegmentSum', inputs, { numSegments: c.numSegments });
      const actual = await runKernelOn('wasm', 'UnsortedSegmentSum', inputs, { numSegments: c.numSegments });
      assert.deepEqual(actual.shape, expected.shape);
      assert.deepEqual(actual.shape, [c.numSegments, ...c.x.slice(1)]);
      assert.ok(relMaxDiff(actual.values, expected.values) <= 1e-5);
      if (c.dtype === 'int32') assert.ok(actual.values instanceof Int32Array);
    });
  }

  it('takes segment ids with rank > 1 (TensorFlow semantics)', async () => {
    const x = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i);
    const ids = Int32Array.from([1, 0, 1, 2, 2, 0]);
    const actual = await runKernelOn(
      'wasm',
      'UnsortedSegmentSum',
      { x: { shape: [2, 3, 2], values: x }, segmentIds: { shape: [2, 3], values: ids, dtype: 'int32' } },
      { numSegments: 3 },
    );
    assert.deepEqual(actual.shape, [3, 2]);
    // segment 0: rows 1, 5 → [2,3]+[10,11]; segment 1: rows 0, 2 → [0,1]+[4,5]; segment 2: rows 3, 4 → [6,7]+[8,9]
    assert.deepEqual(Array.from(actual.values), [12, 14, 4, 6, 14, 16]);
  });

  it('makes the gradient of gather (an Embedding) match cpu', async () => {
    const table = randomArray(9 * 4, 31);
    const idx = Int32Array.from([3, 3, 0, 8, 1, 3, 8, 2]);
    const up = randomArray(8 * 4, 32);
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const g = tf.tidy(() => {
        const indices = tf.tensor1d(idx, 'int32');
        const upstream = tf.tensor2d(up, [8, 4]);
        return tf.grad((t: tf.Tensor) => tf.gather(t, indices).mul(upstream).sum())(tf.tensor2d(table, [9, 4]));
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    assert.ok(relMaxDiff(grads[1]!, grads[0]!) <= 1e-5);
  });
});

describe('wasm kernel MaxPoolGrad (replaces the wasm one)', () => {
  const cases: {
    name: string;
    x: [number, number, number, number];
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: Pad;
  }[] = [
    { name: '2x2 stride 2 valid', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid' },
    { name: '3x3 stride 2 same', x: [2, 9, 7, 4], filterSize: 3, strides: 2, pad: 'same' },
    { name: '3x3 stride 1 same (overlapping windows)', x: [1, 6, 6, 2], filterSize: 3, strides: 1, pad: 'same' },
    { name: 'odd size, floor', x: [3, 7, 7, 5], filterSize: 2, strides: 2, pad: 'valid' },
    { name: 'MaxPooling1D as 1x2', x: [4, 1, 21, 6], filterSize: [1, 2], strides: [1, 2], pad: 'valid' },
    // channels a multiple of 4, windows tiling the input: the SIMD kernel's write-once path (odd sizes: an uncovered edge)
    { name: '2x2 stride 2 valid, 8 channels, odd height', x: [2, 9, 8, 8], filterSize: 2, strides: 2, pad: 'valid' },
    { name: 'MaxPooling1D as 1x2, 12 channels, odd length', x: [3, 1, 21, 12], filterSize: [1, 2], strides: [1, 2], pad: 'valid' },
    {
      name: 'explicit padding',
      x: [2, 6, 6, 2],
      filterSize: 3,
      strides: 2,
      pad: [
        [0, 0],
        [1, 1],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  for (const [i, c] of cases.entries()) {
    for (const values of ['random (half negative)', 'all negative', 'ties', 'NaN and -Infinity'] as const) {
      it(`matches cpu: ${c.name}, ${values}`, async () => {
        let xv = randomArray(size(c.x), 70 + i);
        if (values === 'all negative') xv = xv.map((v) => -Math.abs(v) - 0.01);
        if (values === 'ties') xv = xv.map((v) => Math.round(v));
        if (values === 'NaN and -Infinity') xv = xv.map((v, j) => (j % 7 === 2 ? NaN : j % 5 === 1 ? -Infinity : v));
        const results = [];
        // cpu, wasm (mmx's SIMD kernels), wasm without them (the TypeScript scan)
        for (const [backend, simd] of [
          ['cpu', true],
          ['wasm', true],
          ['wasm', false],
        ] as const) {
          await use(backend);
          setSimdKernels(simd);
          const g = tf.tidy(() => {
            const x = tf.tensor4d(xv, c.x);
            const f = (t: tf.Tensor) => {
              const y = tf.maxPool(t as tf.Tensor4D, c.filterSize, c.strides, c.pad as 'same');
              return y.mul(tf.tensor(randomArray(y.size, 90 + i), y.shape)).sum();
            };
            return tf.grad(f)(x);
          });
          setSimdKernels(true);
          results.push(g.dataSync() as Float32Array);
          g.dispose();
        }
        assert.ok(relMaxDiff(results[1]!, results[0]!) <= 1e-5, `relative max abs diff ${relMaxDiff(results[1]!, results[0]!)}`);
        assert.ok(
          relMaxDiff(results[2]!, results[0]!) <= 1e-5,
          `without SIMD: relative max abs diff ${relMaxDiff(results[2]!, results[0]!)}`,
        );
      });
    }
  }

  for (const [i, c] of cases.entries()) {
    it(`MaxPool (forward) matches cpu: ${c.name}, with NaN and -Infinity among the values`, async () => {
      const xv = randomArray(size(c.x), 170 + i).map((v, j) => (j % 11 === 3 ? NaN : j % 13 === 5 ? -Infinity : v));
      const results = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await use(backend);
        results.push(tf.tidy(() => tf.maxPool(tf.tensor4d(xv, c.x), c.filterSize, c.strides, c.pad as 'same').dataSync() as Float32Array));
      }
      assert.deepEqual(Array.from(results[1]!), Array.from(results[0]!));
    });
  }

  it('is the kernel registered for wasm after registration', async () => {
    await use('wasm');
    assert.deepEqual(WASM_REPLACED_KERNELS, [
      'Conv2D',
      'FusedConv2D',
      'MaxPoolGrad',
      'MaxPool',
      'Conv2DBackpropInput',
      'BatchMatMul',
      '_FusedMatMul',
      'Sum',
      'Identity',
      'Cast',
      'GatherV2',
      'Add',
      'Slice',
      'SplitV',
      'Unpack',
    ]);
    assert.ok(isMmxWasmKernel('MaxPoolGrad'));
    assert.ok(isMmxWasmKernel('Conv2DBackpropFilter'));
    assert.ok(isMmxWasmKernel('Conv2D'));
    assert.ok(isMmxWasmKernel('MaxPool'));
    assert.ok(!isMmxWasmKernel('AvgPool'));
  });
});

describe('registerWasmKernels / missingKernels', () => {
  it('is idempotent and leaves nothing missing on wasm', async () => {
    await use('wasm');
    registerWasmKernels();
    assert.deepEqual(registerWasmKernels(), []);
    assert.deepEqual(missingKernels([...WASM_EXTRA_KERNELS], 'wasm'), []);
    assert.deepEqual(missingKernels(['Conv2DBackpropFilter', 'NoSuchKernel'], 'wasm'), ['NoSuchKernel']);
    assert.deepEqual(missingKernels(['Conv2D', 'MaxPoolGrad']), []);
  });
});
