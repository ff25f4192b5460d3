/**
 * Dropout as one kernel, `MmxDropout` (input {x}, float32; attrs {rate, seed, stream}): y = x · keep / (1 − rate),
 * with a new mask for every (seed, stream) — a layer passes its seed and a call counter.
 *
 * Why: tfjs's dropout draws its mask in JavaScript (`randomUniform`, an alea generator, one number per element)
 * and applies it with four more kernels, forward and backward; and with a fixed seed — as every mmx layer has, for
 * reproducible runs — tfjs's draws the SAME mask on every batch. Here the mask is a counter-based hash of the
 * element's index and a key derived from (seed, stream): reproducible, different per call, and cheap enough to
 * recompute, so the gradient is the same kernel applied to dy (nothing is stored between the passes).
 *
 * Kernels: wasm (mmx's SIMD module, c/dropout.c; this file's loop where it cannot load) and cpu (this file's
 * loop), the same mask on both. Other backends (tfjs-node, webgl) run tfjs's own dropout with a seed derived from
 * (seed, stream): a different mask per call too, drawn by tfjs's generator.
 */
import * as tf from '../tf.js';
import { asCpuBackend, readF32 } from './cpu-backend.js';

export const DROPOUT = 'MmxDropout';

/** A type, not an interface: it passes as tfjs's NamedAttrMap. */
export type DropoutAttrs = { rate: number; seed: number; stream: number };

const fmix32 = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** The per-call key, threshold and scale the element loop and the SIMD kernel use. */
export function dropoutParams(a: DropoutAttrs): { key: number; threshold: number; scale: number } {
  if (!(a.rate >= 0 && a.rate < 1)) throw new Error(`${DROPOUT}: rate must be in [0, 1), got ${a.rate}`);
  const key = fmix32((fmix32(a.seed >>> 0) ^ Math.imul(a.stream >>> 0, 0x9e3779b1)) + 0x7f4a7c15);
  return { key, threshold: Math.round(a.rate * 2 ** 24), scale: Math.fround(1 / (1 - a.rate)) };
}

/** y[i] = x[i] · (keep(i) ? scale : 0), keep(i) = fmix32((i · 0x9E3779B1) ^ key) >>> 8 ≥ threshold (as c/dropout.c). */
export function dropoutArrays(x: Float32Array, y: Float32Array, p: { key: number; threshold: number; scale: number }): void {
  for (let i = 0; i < x.length; i++) {
    const h = fmix32(Math.imul(i, 0x9e3779b1) ^ p.key);
    y[i] = x[i]! * (h >>> 8 >= p.threshold ? p.scale : 0);
  }
}

/** A kernel call's attributes, checked. */
export function readDropoutAttrs(attrs: tf.NamedAttrMap | undefined): DropoutAttrs {
  const get = (name: keyof DropoutAttrs): number => {
    const v = attrs?.[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${DROPOUT}: attribute ${name} must be a number, got ${String(v)}`);
    return v;
  };
  return { rate: get('rate'), seed: get('seed'), stream: get('stream') };
}

/** The kernel's input, checked: float32. */
export function dropoutInput(inputs: tf.NamedTensorInfoMap): tf.TensorInfo {
  const x = inputs['x'];
  if (x === undefined || x.dtype !== 'float32') throw new Error(`${DROPOUT}: input x must be a float32 tensor`);
  return x;
}

export const dropoutCpuConfig: tf.KernelConfig = {
  kernelName: DROPOUT,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const cpu = asCpuBackend(backend, DROPOUT);
    const x = dropoutInput(inputs);
    const values = readF32(cpu, x, DROPOUT);
    const y = new Float32Array(values.length);
    dropoutArrays(values, y, dropoutParams(readDropoutAttrs(attrs)));
    return cpu.makeTensorInfo([...x.shape], 'float32', y);
  },
};

/** The gradient: the same mask and scale applied to dy (idempotent). */
export function registerDropoutGradient(): void {
  tf.registerGradient({
    kernelName: DROPOUT,
    gradFunc: (dy, _saved, attrs) => {
      const d = Array.isArray(dy) ? dy[0]! : dy;
      return { x: () => tf.engine().runKernel(DROPOUT, { x: d }, attrs) as tf.Tensor };
    },
  });
}

let fused = true;
/** For tests and benchmarks: false makes `dropout` take tfjs's own dropout on every backend. */
export function setFusedDropout(on: boolean): void {
  fused = on;
}

/** Whether `dropout` runs the kernel on the current backend. */
export function usesDropoutKernel(): boolean {
  return fused && tf.getKernel(DROPOUT, tf.getBackend()) !== undefined;
}

/** Dropout of `x` at `rate` with the mask of (seed, stream): see the module note. Rate 0 returns x. */
export function dropout(x: tf.Tensor, rate: number, seed: number, stream: number): tf.Tensor {
  if (rate <= 0) return x;
  const attrs: DropoutAttrs = { rate, seed, stream };
  if (x.dtype === 'float32' && usesDropoutKernel()) return tf.engine().runKernel(DROPOUT, { x }, attrs) as tf.Tensor;
  return tf.dropout(x, rate, undefined, dropoutParams(attrs).key);
}
