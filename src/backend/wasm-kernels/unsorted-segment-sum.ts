/**
 * `UnsortedSegmentSum` for the tfjs wasm backend (missing in tfjs-backend-wasm 4.22). tfjs-core's gradient of
 * `Gather` uses it, so an `Embedding` layer cannot train on wasm without it.
 *
 *   out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]      out: [numSegments, ...x.shape.slice(segmentIds.rank)]
 *
 * segmentIds' shape must be a prefix of x's shape (TensorFlow's rule). Ids outside [0, numSegments) are dropped,
 * as the cpu backend and TensorFlow do. float32 and int32 are supported.
 */
import * as tf from '../../tf.js';
import { asWasmBackend } from './heap.js';

export const UNSORTED_SEGMENT_SUM = 'UnsortedSegmentSum';

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

export function unsortedSegmentSumWasm({ inputs, backend, attrs }: KernelFuncArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend, UNSORTED_SEGMENT_SUM);
  const x = inputs['x'];
  const segmentIds = inputs['segmentIds'];
  if (x === undefined || segmentIds === undefined) {
    throw new Error(`${UNSORTED_SEGMENT_SUM}: inputs 'x' and 'segmentIds' are required`);
  }
  const numSegments = (attrs as { numSegments?: unknown } | undefined)?.numSegments;
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${UNSORTED_SEGMENT_SUM}: numSegments must be a non-negative integer, got ${String(numSegments)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${UNSORTED_SEGMENT_SUM} on wasm (mmx kernel) supports float32 and int32 x, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`${UNSORTED_SEGMENT_SUM}: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  if (idsRank > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `${UNSORTED_SEGMENT_SUM}: segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of ` + `x shape [${x.shape.join(', ')}]`,
    );
  }
  const innerShape = x.shape.slice(idsRank);
  const inner = tf.util.sizeFromShape(innerShape);
  const n = tf.util.sizeFromShape(segmentIds.shape);

  const out = wasm.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views after the allocation (it may grow the wasm memory and detach older views).
  const outView = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xView = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
  outView.fill(0);
  if (inner === 0) return out;
  if (x.dtype === 'int32') {
    for (let i = 0; i < n; i++) {
      const s = ids[i]!;
      if (s < 0 || s >= numSegments) continue;
      const dst = s * inner;
      const src = i * inner;
      for (let j = 0; j < inner; j++) outView[dst + j] = (outView[dst + j]! + xView[src + j]!) | 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const s = ids[i]!;
      if (s < 0 || s >= numSegments) continue;
      const dst = s * inner;
      const src = i * inner;
      for (let j = 0; j < inner; j++) outView[dst + j]! += xView[src + j]!;
    }
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: UNSORTED_SEGMENT_SUM,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc,
};
