/**
 * Calling mmx's SIMD kernels from a tfjs kernel: tensor pointers, scratch buffers and conv geometry on the
 * backend's heap.
 */
import type * as tf from '../../tf.js';
import type { ConvGradGeometry } from '../wasm-kernels/conv-geometry.js';
import type { SimdKernels } from './module.js';

interface WithOffsets {
  getMemoryOffset(dataId: object): number;
}

/** The byte offset of a tensor's data on the wasm heap. */
export function ptr(backend: unknown, t: tf.TensorInfo): number {
  return (backend as WithOffsets).getMemoryOffset(t.dataId) >>> 0;
}

/**
 * Runs `fn` with scratch buffers of the given sizes (float32 values; 0 gives a null pointer), freed afterwards
 * however `fn` ends.
 */
export function withScratch<T>(k: SimdKernels, floats: readonly number[], fn: (ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const n of floats) ptrs.push(n > 0 ? k.alloc(n) : 0);
    return fn(ptrs);
  } finally {
    for (const p of ptrs) if (p !== 0) k.free(p);
  }
}

/** The 15 int32 values conv.c reads as its geometry, in that order. */
export function geometryInts(g: ConvGradGeometry): number[] {
  return [
    g.batch,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.outC,
    g.fh,
    g.fw,
    g.strideH,
    g.strideW,
    g.dilationH,
    g.dilationW,
    g.padTop,
    g.padLeft,
  ];
}

/** Runs `fn` with `ints` written to a scratch buffer on the heap (its byte offset as the argument). */
export function withInts<T>(k: SimdKernels, ints: readonly number[], fn: (p: number) => T): T {
  return withScratch(k, [ints.length], ([p]) => {
    new Int32Array(k.heap().buffer, p!, ints.length).set(ints);
    return fn(p!);
  });
}
