/**
 * mmx's SIMD convolution (src/backend/simd/c/conv.c) against tfjs's cpu backend: Conv2D and FusedConv2D (bias,
 * relu) forward, and both gradients, over the geometry its two routes and the gemm's blocking meet — Conv1D, 3×3
 * 'same' and strided 'valid', dilations along the height only (the im2col-free route) and along the width (im2col),
 * explicit asymmetric padding, 1×1, more taps than one k block (K > 256), channel counts that leave column tails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { setSimdKernels } from '../../src/backend/simd/module.js';
import { randomArray, relMaxDiff, size, use } from './helpers.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number[][];
  dilations?: [number, number];
}

const CASES: Case[] = [
  { name: 'Conv1D k5 same (as tfjs runs it: height 1)', x: [3, 1, 23, 6], filter: [1, 5, 6, 16], strides: 1, pad: 'same' },
  { name: '3x3 same, 1 input channel', x: [2, 9, 8, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 valid, 10 output channels (column tail)', x: [2, 11, 9, 5], filter: [3, 3, 5, 10], strides: 2, pad: 'valid' },
  { name: '3x3 dilation [2,1] (height only)', x: [2, 10, 9, 4], filter: [3, 3, 4, 7], strides: 1, pad: 'same', dilations: [2, 1] },
  { name: '3x2 dilation [1,2] (width: im2col)', x: [2, 8, 11, 3], filter: [3, 2, 3, 5], strides: 1, pad: 'same', dilations: [1, 2] },
  {
    name: 'explicit asymmetric padding, strides [1,2]',
    x: [2, 7, 9, 3],
    filter: [2, 3, 3, 4],
    strides: [1, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
  { name: '1x1, 3 output channels', x: [2, 5, 6, 8], filter: [1, 1, 8, 3], strides: 1, pad: 'valid' },
  { name: 'K = 3·3·40 = 360 taps (two k blocks), 33 outputs', x: [2, 6, 7, 40], filter: [3, 3, 40, 33], strides: 1, pad: 'same' },
];

type Result = { conv: Float32Array; fused: Float32Array; dx?: Float32Array; dw?: Float32Array; db?: Float32Array };

function run(c: Case, seed: number): Result {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(size(c.x), seed), c.x);
    const w = tf.tensor4d(randomArray(size(c.filter), seed + 1), c.filter);
    const b = tf.tensor1d(randomArray(c.filter[3], seed + 2));
    const dil = c.dilations ?? [1, 1];
    const conv = tf.conv2d(x, w, c.strides, c.pad as 'same', 'NHWC', dil);
    // inference-time fused kernel (no tape): bias + relu in the product's epilogue
    const fused = tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad as 'same', dilations: dil, bias: b, activation: 'relu' });
    const out = (t: tf.Tensor) => t.dataSync() as Float32Array;
    // tfjs has no gradient for dilated convolutions (mmx's gradient kernels are checked with dilations against a
    // textbook reference in wasm-kernels.test.ts and conv2d-backprop-input.test.ts)
    if (dil[0] > 1 || dil[1] > 1) return { conv: out(conv), fused: out(fused) };
    const up = tf.tensor(randomArray(conv.size, seed + 3), conv.shape);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf
        .relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad as 'same', 'NHWC', dil), bb))
        .mul(up)
        .sum();
    const [dx, dw, db] = tf.grads(f)([x, w, b]);
    return { conv: out(conv), fused: out(fused), dx: out(dx!), dw: out(dw!), db: out(db!) };
  });
}

describe('wasm Conv2D / FusedConv2D and gradients on mmx SIMD kernels', () => {
  for (const [i, c] of CASES.entries()) {
    it(`matches cpu: ${c.name}`, async () => {
      await use('cpu');
      const ref = run(c, 300 + 10 * i);
      await use('wasm');
      const got = run(c, 300 + 10 * i);
      for (const k of ['conv', 'fused', 'dx', 'dw', 'db'] as const) {
        if (ref[k] === undefined) continue;
        const d = relMaxDiff(got[k]!, ref[k]);
        assert.ok(d <= 2e-5, `${k}: relative max abs diff ${d}`);
      }
    });
  }

  it('a fused activation it does not run (elu) goes to tfjs-backend-wasm, with the same result as cpu', async () => {
    const c = CASES[1]!;
    const go = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomArray(size(c.x), 1), c.x);
        const w = tf.tensor4d(randomArray(size(c.filter), 2), c.filter);
        return tf.fused
          .conv2d({ x, filter: w, strides: 1, pad: 'same', bias: tf.tensor1d(randomArray(16, 3)), activation: 'elu' })
          .dataSync() as Float32Array;
      });
    await use('cpu');
    const ref = go();
    await use('wasm');
    assert.ok(relMaxDiff(go(), ref) <= 2e-5);
  });

  it('gives the same results with the SIMD kernels switched off (the old paths)', async () => {
    await use('wasm');
    const c = CASES[0]!;
    const on = run(c, 7);
    setSimdKernels(false);
    try {
      const off = run(c, 7);
      for (const k of ['conv', 'fused', 'dx', 'dw', 'db'] as const) assert.ok(relMaxDiff(off[k]!, on[k]!) <= 2e-5, k);
    } finally {
      setSimdKernels(true);
    }
  });
});
