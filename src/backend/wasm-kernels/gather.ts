/**
 * `GatherV2` for the tfjs wasm backend — a *replacement* for the case without batch dimensions: tfjs-backend-wasm
 * 4.22 computes every output element's multi-dimensional index in C++ (~20 ms for an Embedding layer's forward of a
 * [64, 64]-token batch at 48 dimensions); here each gathered slice is one contiguous copy on the wasm heap.
 *
 *   out[o, i, s] = x[o, indices[i], s]   (x viewed as [outer, x.shape[axis], slice], indices flattened)
 *
 * Indices outside [0, x.shape[axis]) are an error, with tfjs's message. batchDims > 0, non-int32 indices and
 * strings go to the original kernel.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';
import { asWasmBackend } from './heap.js';

export const GATHER_V2 = 'GatherV2';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(GATHER_V2, 'wasm');

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

let strategy: 'auto' | 'original' = 'auto';
/** For tests and benchmarks: 'original' sends every call to tfjs-backend-wasm's own kernel. */
export function setGatherStrategy(s: 'auto' | 'original'): void {
  strategy = s;
}

function runOriginal(args: KernelFuncArgs): tf.TensorInfo {
  if (originalConfig === undefined) throw new Error(`${GATHER_V2} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  return originalConfig.kernelFunc(args) as tf.TensorInfo;
}

export function gatherV2Wasm(args: KernelFuncArgs): tf.TensorInfo {
  const x = args.inputs['x'];
  const indices = args.inputs['indices'];
  if (x === undefined || indices === undefined) throw new Error(`${GATHER_V2}: inputs 'x' and 'indices' are required`);
  const attrs = (args.attrs ?? {}) as { axis?: number; batchDims?: number };
  const batchDims = attrs.batchDims ?? 0;
  if (
    strategy === 'original' ||
    batchDims !== 0 ||
    indices.dtype !== 'int32' ||
    (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool')
  ) {
    return runOriginal(args);
  }
  const wasm = asWasmBackend(args.backend, GATHER_V2);
  const axis = tf.util.parseAxisParam(attrs.axis ?? 0, x.shape)[0]!;
  const dim = x.shape[axis]!;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const slice = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const n = tf.util.sizeFromShape(indices.shape);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  {
    const idx = wasm.typedArrayFromHeap(indices) as Int32Array;
    for (let i = 0; i < n; i++) {
      const v = idx[i]!;
      if (v < 0 || v > dim - 1) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dim - 1}]`);
    }
  }
  const out = wasm.makeOutput(outShape, x.dtype);
  if (outer * n * slice === 0) return out;
  // views after the allocation (it may grow the wasm memory and detach older views); bool is one byte per value
  const xv = wasm.typedArrayFromHeap(x);
  const ov = wasm.typedArrayFromHeap(out);
  const idx = wasm.typedArrayFromHeap(indices) as Int32Array;
  // x and out share the wasm memory: copy slices within one view of all of it (no per-slice view objects)
  const heap = xv instanceof Uint8Array ? new Uint8Array(xv.buffer) : new Int32Array(xv.buffer);
  const xOff = xv.byteOffset / xv.BYTES_PER_ELEMENT;
  const oOff = ov.byteOffset / ov.BYTES_PER_ELEMENT;
  for (let o = 0; o < outer; o++) {
    const src0 = o * dim * slice;
    const dst0 = o * n * slice;
    if (slice >= 8) {
      for (let i = 0; i < n; i++) {
        const src = xOff + src0 + idx[i]! * slice;
        heap.copyWithin(oOff + dst0 + i * slice, src, src + slice);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const src = src0 + idx[i]! * slice;
        const dst = dst0 + i * slice;
        for (let s = 0; s < slice; s++) ov[dst + s] = xv[src + s]!;
      }
    }
  }
  return out;
}

export const gatherV2Config: tf.KernelConfig = {
  kernelName: GATHER_V2,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalConfig?.setupFunc?.(backend);
  },
  kernelFunc: gatherV2Wasm as tf.KernelFunc,
};
