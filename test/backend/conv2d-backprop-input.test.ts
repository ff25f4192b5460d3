/**
 * mmx's replacement Conv2DBackpropInput on wasm (conv2d-backprop-input.ts): numerics vs the cpu backend on every
 * route ('conv' = wasm Conv2D of the flipped filter, 'gemm' = BatchMatMul + col2im, 'original' = tfjs-backend-wasm's
 * own kernel), gradients end to end, memory, and timings (printed as test diagnostics).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { isMmxWasmKernel, setConv2dBackpropInputStrategy, WASM_REPLACED_KERNELS } from '../../src/backend/wasm-kernels/index.js';
import { randomArray, relMaxDiff, runKernelOn, size, use } from './helpers.js';

type Pad = 'valid' | 'same' | number | number[][];
type Strategy = 'auto' | 'conv' | 'gemm' | 'original';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function dyShape(c: Case, dilations: number | [number, number] = 1): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad as 'same', c.dimRoundingMode).outShape;
}

async function inputGrad(backend: 'wasm' | 'cpu', c: Case, seed: number, extraAttrs: Record<string, unknown> = {}) {
  const dy = dyShape(c, (extraAttrs['dilations'] as number | [number, number] | undefined) ?? 1);
  return runKernelOn(
    backend,
    'Conv2DBackpropInput',
    {
      dy: { shape: dy, values: randomArray(size(dy), seed) },
      filter: { shape: c.filter, values: randomArray(size(c.filter), seed + 1) },
    },
    { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: c.x, ...extraAttrs },
  );
}

async function withStrategy<T>(s: Strategy, f: () => Promise<T>): Promise<T> {
  setConv2dBackpropInputStrategy(s);
  try {
    return await f();
  } finally {
    setConv2dBackpropInputStrategy('auto');
  }
}

/** The 'conv' route applies with stride 1 and every padding side < the (dilated) filter extent. */
function convApplies(c: Case, dilations: [number, number] = [1, 1]): boolean {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad as 'same', c.dimRoundingMode);
  const eh = (info.filterHeight - 1) * dilations[0] + 1;
  const ew = (info.filterWidth - 1) * dilations[1] + 1;
  const p = info.padInfo;
  return info.strideHeight === 1 && info.strideWidth === 1 && Math.max(p.top, p.bottom) < eh && Math.max(p.left, p.right) < ew;
}

/** Textbook definition; geometry from tfjs-core so padding means exactly what tfjs means. */
function referenceInputGrad(c: Case, dy: Float32Array, w: Float32Array, dilations: [number, number]): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, dilations, c.pad as 'same', c.dimRoundingMode);
  const [N, H, W, C] = c.x;
  const [FH, FW, , O] = c.filter;
  const dx = new Float32Array(N * H * W * C);
  for (let b = 0; b < N; b++)
    for (let yr = 0; yr < info.outHeight; yr++)
      for (let yc = 0; yc < info.outWidth; yc++)
        for (let fr = 0; fr < FH; fr++)
          for (let fc = 0; fc < FW; fc++) {
            const xr = yr * info.strideHeight - info.padInfo.top + fr * dilations[0];
            const xc = yc * info.strideWidth - info.padInfo.left + fc * dilations[1];
            if (xr < 0 || xr >= H || xc < 0 || xc >= W) continue;
            for (let ci = 0; ci < C; ci++) {
              let s = 0;
              for (let co = 0; co < O; co++) {
                s += dy[((b * info.outHeight + yr) * info.outWidth + yc) * O + co]! * w[((fr * FW + fc) * C + ci) * O + co]!;
              }
              dx[((b * H + xr) * W + xc) * C + ci]! += s;
            }
          }
  return dx;
}

const CASES: Case[] = [
  { name: '3x3 same stride 1', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3 valid stride 1', x: [2, 8, 6, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'valid' },
  { name: '3x2 valid stride 2', x: [2, 9, 8, 2], filter: [3, 2, 2, 5], strides: 2, pad: 'valid' },
  { name: '3x3 same stride 2 (odd size)', x: [2, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '2x4 same strides [2,1] (even filter)', x: [3, 6, 9, 4], filter: [2, 4, 4, 3], strides: [2, 1], pad: 'same' },
  { name: '2x2 same stride 1 (even filter, asymmetric same padding)', x: [2, 5, 6, 3], filter: [2, 2, 3, 4], strides: 1, pad: 'same' },
  { name: '5x5 same stride 3 (pad larger than input rows)', x: [1, 4, 5, 2], filter: [5, 5, 2, 2], strides: 3, pad: 'same' },
  {
    name: 'explicit asymmetric padding, stride 1',
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
  {
    name: 'explicit padding wider than the filter, stride 1',
    x: [2, 4, 4, 2],
    filter: [2, 2, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [3, 0],
      [1, 2],
      [0, 0],
    ],
  },
  {
    name: 'explicit padding, stride 2',
    x: [2, 7, 6, 3],
    filter: [3, 3, 3, 2],
    strides: 2,
    pad: [
      [0, 0],
      [0, 2],
      [1, 1],
      [0, 0],
    ],
  },
  { name: 'numeric pad 1 with round, stride 2', x: [2, 6, 6, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'round' },
  { name: 'numeric pad 1, stride 1', x: [2, 5, 5, 2], filter: [3, 3, 2, 3], strides: 1, pad: 1 },
  { name: 'conv1d as conv2d, kernel 1x5 same', x: [4, 1, 20, 6], filter: [1, 5, 6, 8], strides: 1, pad: 'same' },
  { name: 'conv1d as conv2d, kernel 1x4 same (even)', x: [3, 1, 17, 5], filter: [1, 4, 5, 7], strides: 1, pad: 'same' },
  { name: 'conv1d as conv2d, kernel 1x3 valid stride 2', x: [3, 1, 17, 5], filter: [1, 3, 5, 7], strides: [1, 2], pad: 'valid' },
  { name: 'conv1d as conv2d, kernel 1x5 same stride 2', x: [2, 1, 21, 4], filter: [1, 5, 4, 6], strides: [1, 2], pad: 'same' },
  { name: '1x1 filter', x: [2, 5, 5, 8], filter: [1, 1, 8, 4], strides: 1, pad: 'valid' },
  { name: '1x1 filter stride 2', x: [2, 5, 6, 8], filter: [1, 1, 8, 4], strides: 2, pad: 'valid' },
  { name: 'single input channel (first image layer)', x: [4, 10, 10, 1], filter: [3, 3, 1, 6], strides: 1, pad: 'same' },
  { name: 'single output channel', x: [2, 6, 6, 5], filter: [3, 3, 5, 1], strides: 1, pad: 'same' },
];

describe('wasm kernel Conv2DBackpropInput (replaces the wasm one)', () => {
  for (const [i, c] of CASES.entries()) {
    it(`matches cpu: ${c.name}`, async () => {
      const expected = await inputGrad('cpu', c, 200 + i);
      const strategies: Strategy[] = ['auto', 'gemm', 'original'];
      if (convApplies(c)) strategies.push('conv');
      for (const s of strategies) {
        const actual = await withStrategy(s, () => inputGrad('wasm', c, 200 + i));
        assert.deepEqual(actual.shape, c.x, s);
        const d = relMaxDiff(actual.values, expected.values);
        assert.ok(d <= 1e-4, `${s}: relative max abs diff ${d}`);
      }
    });
  }

  it('picks the conv route for stride 1 and the gemm route otherwise (a forced conv route refuses stride 2)', async () => {
    await assert.rejects(
      withStrategy('conv', () => inputGrad('wasm', CASES[2]!, 1)),
      /'conv' route needs stride 1/,
    );
  });

  it('matches cpu when the gemm route splits the batch into several chunks', async () => {
    // K·outH·outW per item = 144·32·32 = 147k, so the 4M-element cols buffer holds 28 of the 40 items: two chunks.
    const c: Case = { name: 'chunked', x: [40, 64, 64, 16], filter: [3, 3, 16, 8], strides: 2, pad: 'same' };
    const expected = await inputGrad('cpu', c, 9);
    const actual = await withStrategy('gemm', () => inputGrad('wasm', c, 9));
    assert.ok(relMaxDiff(actual.values, expected.values) <= 1e-4);
  });

  it('supports dilations (checked against a textbook reference; tfjs kernels ignore dilations here)', async () => {
    const c: Case = { name: 'dilated', x: [2, 9, 10, 3], filter: [3, 2, 3, 4], strides: 1, pad: 'same' };
    for (const dilations of [
      [2, 2],
      [1, 3],
      [3, 1],
    ] as [number, number][]) {
      const dy = dyShape(c, dilations);
      const dyv = randomArray(size(dy), 5);
      const wv = randomArray(size(c.filter), 6);
      const expected = referenceInputGrad(c, dyv, wv, dilations);
      for (const s of ['auto', 'conv', 'gemm'] as const) {
        const actual = await withStrategy(s, () =>
          runKernelOn(
            'wasm',
            'Conv2DBackpropInput',
            { dy: { shape: dy, values: dyv }, filter: { shape: c.filter, values: wv } },
            { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x, dilations },
          ),
        );
        const d = relMaxDiff(actual.values, expected);
        assert.ok(d <= 1e-4, `${s} dilations ${dilations}: relative max abs diff ${d}`);
      }
    }
  });

  it('agrees with the textbook reference on plain cases too (guards the cpu comparison itself)', async () => {
    for (const c of [CASES[0]!, CASES[3]!, CASES[9]!]) {
      const dy = dyShape(c);
      const dyv = randomArray(size(dy), 11);
      const wv = randomArray(size(c.filter), 12);
      const actual = await runKernelOn(
        'wasm',
        'Conv2DBackpropInput',
        { dy: { shape: dy, values: dyv }, filter: { shape: c.filter, values: wv } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
      );
      assert.ok(relMaxDiff(actual.values, referenceInputGrad(c, dyv, wv, [1, 1])) <= 1e-4, c.name);
    }
  });

  it('falls back to the original wasm kernel for NCHW', async () => {
    const inputShape = [2, 3, 6, 5];
    const filterShape = [3, 3, 3, 4];
    const inputs = {
      dy: { shape: [2, 4, 6, 5], values: randomArray(2 * 4 * 6 * 5, 13) },
      filter: { shape: filterShape, values: randomArray(size(filterShape), 14) },
    };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape };
    const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    assert.deepEqual(actual.shape, inputShape);
    assert.ok(relMaxDiff(actual.values, expected.values) <= 1e-4);
  });

  it('rejects inconsistent shapes with clear errors', async () => {
    await use('wasm');
    const dy = tf.zeros([1, 5, 5, 3]);
    const filter = tf.zeros([3, 3, 2, 3]);
    try {
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [1, 5, 5, 2] }),
        /dy has shape \[1, 5, 5, 3\] but .* gives \[1, 3, 3, 3\]/,
      );
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 5, 5, 4] }),
        /has 2 input channels but inputShape/,
      );
    } finally {
      dy.dispose();
      filter.dispose();
    }
  });

  it('gives the same gradients as cpu through tf.grad of conv2d / conv1d (input and filter)', async () => {
    const ops: Record<string, (x: tf.Tensor, w: tf.Tensor) => tf.Tensor> = {
      'conv2d s1 same': (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
      'conv2d s2 same': (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
      'conv2d s1 valid': (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
      'conv1d s1 same': (x, w) =>
        tf.conv1d(x.reshape([2, 64, 3]) as tf.Tensor3D, w.reshape([9, 3, 5]).slice([0, 0, 0], [3, 3, 5]) as tf.Tensor3D, 1, 'same'),
      'conv1d s2 valid': (x, w) =>
        tf.conv1d(x.reshape([2, 64, 3]) as tf.Tensor3D, w.reshape([9, 3, 5]).slice([0, 0, 0], [4, 3, 5]) as tf.Tensor3D, 2, 'valid'),
    };
    const xs = randomArray(2 * 8 * 8 * 3, 21);
    const ws = randomArray(3 * 3 * 3 * 5, 22);
    for (const [name, op] of Object.entries(ops)) {
      const results: Float32Array[][] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await use(backend);
        const gs = tf.tidy(() => {
          const x = tf.tensor4d(xs, [2, 8, 8, 3]);
          const w = tf.tensor4d(ws, [3, 3, 3, 5]);
          const f = (a: tf.Tensor, b: tf.Tensor) => {
            const y = op(a, b);
            return y.mul(tf.tensor(randomArray(y.size, 23), y.shape)).sum();
          };
          return tf.grads(f)([x, w]);
        });
        results.push(gs.map((g) => g.dataSync() as Float32Array));
        tf.dispose(gs);
      }
      for (let k = 0; k < 2; k++) {
        const d = relMaxDiff(results[1]![k]!, results[0]![k]!);
        assert.ok(d <= 1e-4, `${name}, gradient ${k === 0 ? 'dx' : 'dW'}: relative max abs diff ${d}`);
      }
    }
  });

  it('gives the same variable gradients as cpu for a small conv model (layers, end to end)', async () => {
    const xs = randomArray(4 * 12 * 12 * 2, 31);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [12, 12, 2],
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
          tf.layers.conv2d({
            filters: 6,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
          }),
          tf.layers.conv2d({
            filters: 5,
            kernelSize: [1, 3],
            padding: 'valid',
            kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        ],
      });
      const { grads, value } = tf.tidy(() => {
        const x = tf.tensor4d(xs, [4, 12, 12, 2]);
        return tf.variableGrads(
          () => (model.apply(x) as tf.Tensor).square().mean() as tf.Scalar,
          model.trainableWeights.map((w) => w.read() as tf.Variable),
        );
      });
      results.push(model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!.dataSync() as Float32Array));
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
    }
    for (let k = 0; k < results[0]!.length; k++) {
      const d = relMaxDiff(results[1]![k]!, results[0]![k]!);
      assert.ok(d <= 1e-4, `weight ${k}: relative max abs diff ${d}`);
    }
  });

  it('does not leak wasm memory (conv and gemm routes)', async () => {
    await use('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const dy = tf.tensor4d(randomArray(4 * 6 * 6 * 2, 1), [4, 6, 6, 2]);
    const filter = tf.tensor4d(randomArray(3 * 3 * 3 * 2, 2), [3, 3, 3, 2]);
    const dy2 = tf.tensor4d(randomArray(40 * 32 * 32 * 8, 3), [40, 32, 32, 8]);
    const filter2 = tf.tensor4d(randomArray(3 * 3 * 16 * 8, 4), [3, 3, 16, 8]);
    const runs = [
      () =>
        (
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy, filter },
              { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [4, 6, 6, 3] },
            ) as tf.Tensor
        ).dispose(),
      () =>
        (
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy, filter },
              { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [4, 12, 12, 3] },
            ) as tf.Tensor
        ).dispose(),
      // Chunked gemm route.
      () =>
        (
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy: dy2, filter: filter2 },
              { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [40, 64, 64, 16] },
            ) as tf.Tensor
        ).dispose(),
    ];
    try {
      for (const run of runs) {
        run();
        const before = backend.numDataIds();
        for (let i = 0; i < 3; i++) run();
        assert.equal(backend.numDataIds(), before);
      }
    } finally {
      tf.dispose([dy, filter, dy2, filter2]);
    }
  });

  it('is registered for wasm as a replacement', async () => {
    await use('wasm');
    assert.ok(WASM_REPLACED_KERNELS.includes('Conv2DBackpropInput'));
    assert.ok(isMmxWasmKernel('Conv2DBackpropInput'));
  });

  it('is fast for the AV-MNIST encoder shapes (timings vs the original wasm kernel in the diagnostics)', async (t) => {
    await use('wasm');
    const shapes: [string, Case][] = [
      ['conv2d 64x14x14x32 <- 3x3x32x64 same', { name: '', x: [64, 14, 14, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'same' }],
      ['conv2d 64x28x28x1 <- 3x3x1x32 same', { name: '', x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'same' }],
      ['conv1d 64x1x101x40 <- 1x5x40x64 same', { name: '', x: [64, 1, 101, 40], filter: [1, 5, 40, 64], strides: 1, pad: 'same' }],
      ['conv2d 64x14x14x32 <- 3x3x32x64 same stride 2', { name: '', x: [64, 14, 14, 32], filter: [3, 3, 32, 64], strides: 2, pad: 'same' }],
    ];
    for (const [label, c] of shapes) {
      const dy = tf.randomNormal(dyShape(c));
      const filter = tf.tensor4d(randomArray(size(c.filter), 3), c.filter);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const run = () =>
        (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dispose();
      const timings: string[] = [];
      let auto = Infinity;
      let original = Infinity;
      for (const s of ['original', 'auto', 'gemm'] as const) {
        setConv2dBackpropInputStrategy(s);
        try {
          run();
          const n = 3;
          const t0 = performance.now();
          for (let i = 0; i < n; i++) run();
          const ms = (performance.now() - t0) / n;
          if (s === 'auto') auto = ms;
          if (s === 'original') original = ms;
          timings.push(`${s} ${ms.toFixed(1)} ms`);
        } finally {
          setConv2dBackpropInputStrategy('auto');
        }
      }
      t.diagnostic(`${label}: ${timings.join(', ')} per call`);
      // Catches a route slower than the naive loop (a fall-back to it is ~10x slower where channels are many; a
      // first layer of 1 channel is ~2x) by two timings taken side by side in this
      // process, not by an absolute time a loaded machine would miss.
      assert.ok(auto < original, `${label}: auto ${auto.toFixed(0)} ms vs original ${original.toFixed(0)} ms`);
      dy.dispose();
      filter.dispose();
    }
  });
});
