/**
 * MfbPool's power normalisation gives the same output on every backend. tfjs-backend-wasm's Sign returns 0 for
 * |x| below ~1e-7 (the cpu backend, like tfjs-node, returns ±1), so a sign-based signed square root made a bilinear
 * model trained on wasm predict differently in plain tfjs (up to 0.03 in a probability, on AV-MNIST-size models).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { MfbPool } from '../../src/model/layers/mfb-pool.js';

async function pooled(backend: 'wasm' | 'cpu', x: number[][]): Promise<Float32Array> {
  if (backend === 'wasm') await initBackend('wasm');
  else await tf.setBackend('cpu');
  const layer = new MfbPool({ factor: 2 });
  const y = layer.apply(tf.tensor2d(x)) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  tf.dispose(y);
  return out;
}

describe('MfbPool on wasm and cpu', () => {
  it('agrees on tiny and ordinary pooled values, keeping their signs', async () => {
    const x = [
      [5e-9, 5e-9, -1e-8, -1e-8, 2e-8, 1e-8, 1e-8, 5e-9], // every pooled value tiny: z = [1e-8, -2e-8, 3e-8, 1.5e-8]
      [0.2, 0.1, -0.4, 0.1, 1e-9, 1e-9, 0.5, -0.25],
    ];
    const wasm = await pooled('wasm', x);
    const cpu = await pooled('cpu', x);
    for (let i = 0; i < cpu.length; i++) assert.ok(Math.abs(wasm[i]! - cpu[i]!) < 1e-5, `element ${i}: wasm ${wasm[i]} vs cpu ${cpu[i]}`);
    assert.deepEqual(Array.from(wasm.subarray(0, 4), Math.sign), [1, -1, 1, 1]);
    // the normalised vector of the tiny row still has length 1
    assert.ok(Math.abs(Math.hypot(...wasm.subarray(0, 4)) - 1) < 0.01);
  });
});
