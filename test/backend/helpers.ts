import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';

/** Deterministic uniform floats in [-1, 1) (mulberry32). */
export function randomArray(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Switches to `backend` (through initBackend, so wasm gets its kernels and cpu stays quiet). */
export async function use(backend: 'wasm' | 'cpu'): Promise<void> {
  await initBackend(backend);
  assertBackend(backend);
}

export function assertBackend(backend: string): void {
  if (tf.getBackend() !== backend) throw new Error(`expected backend ${backend}, got ${tf.getBackend()}`);
}

/** Runs one kernel on `backend` with inputs built from plain arrays; returns the output's shape and values. */
export async function runKernelOn(
  backend: 'wasm' | 'cpu',
  kernelName: string,
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array | Int32Array }> {
  await use(backend);
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [name, spec] of Object.entries(inputs)) {
      tensors[name] = tf.tensor(spec.values, spec.shape, spec.dtype ?? 'float32');
    }
    const out = tf.engine().runKernel(kernelName, tensors as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    try {
      const values = out.dataSync() as Float32Array | Int32Array;
      return { shape: out.shape, values: values.slice() };
    } finally {
      out.dispose();
    }
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** max |a − b| / max(1e-6, max |b|): the tests' "relative max abs diff". */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
