/**
 * `Conv2DBackpropFilter` for the tfjs wasm backend (tfjs-backend-wasm 4.22 has no such kernel, so training any
 * Conv2D — and Conv1D, which tfjs runs as a Conv2D of height 1 — fails on wasm without it).
 *
 *   dW[fr, fc, ci, co] = Σ_{b, yr, yc} x[b, yr·sh + fr·dh − padTop, yc·sw + fc·dw − padLeft, ci] · dy[b, yr, yc, co]
 *
 * Fast path: mmx's SIMD kernels (../simd/conv.ts): the product im2col(x)ᵀ·dy with no im2col at all for Conv1D
 * and in L2-sized im2col chunks otherwise.
 *
 * Without them (MMX_SIMD_KERNELS=0, or a forced strategy): a transposed im2col written in JS into a scratch tensor on the wasm heap, then one matrix product on
 * the wasm backend's own `BatchMatMul` kernel (XNNPACK, SIMD), looked up with `tf.getKernel`. With
 * P = batch·outH·outW and K = fh·fw·inC:  dW[K, outC] = colsT[K, P] × dy[P, outC], and [K, outC] is already
 * the memory layout of [fh, fw, inC, outC]. XNNPACK packs (and caches, under the tensor id) the right operand,
 * so that is the small one (dy, copied into a scratch tensor so the cache can never be stale); packing a large
 * right operand instead costs ~3x. The batch is processed in chunks so the im2col buffer stays under ~16 MB.
 *
 * Fallback (no `BatchMatMul` kernel registered for wasm, which does not happen with 4.22): a direct loop in JS.
 */
import * as tf from '../../tf.js';
import { convGradGeometry, type ConvGradAttrsLike, type ConvGradGeometry } from './conv-geometry.js';
import { asWasmBackend, f32, type WasmBackendLike } from './heap.js';
import { ptr } from '../simd/call.js';
import { simdConv2dBackpropFilter } from '../simd/conv.js';
import { simdFor } from '../simd/module.js';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

/** Upper bound on the im2col scratch buffer (float32 elements) per chunk. */
const MAX_COLS_ELEMENTS = 4 * 1024 * 1024;

/** Everything the loops need, resolved from shapes and attributes. */
export type FilterGradGeometry = ConvGradGeometry;

export interface Conv2DBackpropFilterAttrsLike extends ConvGradAttrsLike {
  dataFormat?: string;
  filterShape?: number[];
}

/** Validates shapes/attributes and resolves the geometry with tfjs-core's own `computeConv2DInfo`. */
export function filterGradGeometry(
  xShape: readonly number[],
  dyShape: readonly number[],
  attrs: Conv2DBackpropFilterAttrsLike,
): FilterGradGeometry {
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `${CONV2D_BACKPROP_FILTER} on wasm (mmx kernel) supports dataFormat 'NHWC' only, got '${dataFormat}'. ` +
        `tfjs-layers always calls it with NHWC; transpose NCHW input first.`,
    );
  }
  return convGradGeometry(
    CONV2D_BACKPROP_FILTER,
    {
      input: { shape: xShape, name: 'x' },
      filter: { shape: attrs.filterShape, name: 'filterShape', requiredAttribute: true },
      dy: dyShape,
    },
    attrs,
  );
}

/**
 * Transposed im2col for batch items [b0, b1): row k = (fr·fw + fc)·inC + ci of the [K, rows] matrix at `colsOff`
 * holds, for every output position p = ((b − b0)·outH + yr)·outW + yc, the input value under filter tap
 * (fr, fc) for channel ci (zero where the tap hangs over the padding). Each tap reads one input row per output
 * row (it stays in L1) and writes each of its inC rows contiguously. `heap` is one Float32Array over the whole
 * wasm memory; offsets are in elements.
 */
function im2colT(g: FilterGradGeometry, heap: Float32Array, xOff: number, colsOff: number, b0: number, b1: number): void {
  const { inH, inW, inC, outH, outW, fh, fw, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const rows = (b1 - b0) * outH * outW;
  const step = strideW * inC;
  for (let fr = 0; fr < fh; fr++) {
    for (let fc = 0; fc < fw; fc++) {
      const tapBase = colsOff + (fr * fw + fc) * inC * rows;
      // Output columns yc whose input column yc·sw − padLeft + fc·dw lies inside [0, inW).
      const shift = fc * dilationW - padLeft;
      const ycLo = Math.min(outW, Math.max(0, Math.ceil(-shift / strideW)));
      const ycHi = Math.max(ycLo, Math.min(outW, Math.floor((inW - 1 - shift) / strideW) + 1));
      let p = 0;
      for (let b = b0; b < b1; b++) {
        const xb = xOff + b * inH * inW * inC;
        for (let yr = 0; yr < outH; yr++, p += outW) {
          const xr = yr * strideH - padTop + fr * dilationH;
          // Zeros where the tap is over the padding (plain loops: these runs are short, fill() calls cost more).
          if (xr < 0 || xr >= inH) {
            for (let ci = 0; ci < inC; ci++) {
              const row = tapBase + ci * rows + p;
              for (let yc = 0; yc < outW; yc++) heap[row + yc] = 0;
            }
            continue;
          }
          if (ycLo > 0 || ycHi < outW) {
            for (let ci = 0; ci < inC; ci++) {
              const row = tapBase + ci * rows + p;
              for (let yc = 0; yc < ycLo; yc++) heap[row + yc] = 0;
              for (let yc = ycHi; yc < outW; yc++) heap[row + yc] = 0;
            }
          }
          // Contiguous writes along yc, strided reads over one input row (which stays in L1 across channels).
          const src0 = xb + (xr * inW + ycLo * strideW + shift) * inC;
          for (let ci = 0; ci < inC; ci++) {
            const row = tapBase + ci * rows + p;
            let src = src0 + ci;
            for (let yc = ycLo; yc < ycHi; yc++, src += step) heap[row + yc] = heap[src]!;
          }
        }
      }
    }
  }
}

/**
 * Direct filter gradient in plain JS (no im2col): `out` (length fh·fw·inC·outC) is overwritten.
 * Ordered so the innermost loop runs over contiguous outC; skips zero inputs (post-ReLU activations).
 */
export function conv2dBackpropFilterDirect(g: FilterGradGeometry, x: Float32Array, dy: Float32Array, out: Float32Array): void {
  const { batch, inH, inW, inC, outH, outW, outC, fh, fw, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  out.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let yr = 0; yr < outH; yr++) {
      for (let fr = 0; fr < fh; fr++) {
        const xr = yr * strideH - padTop + fr * dilationH;
        if (xr < 0 || xr >= inH) continue;
        for (let yc = 0; yc < outW; yc++) {
          const dyOff = ((b * outH + yr) * outW + yc) * outC;
          for (let fc = 0; fc < fw; fc++) {
            const xc = yc * strideW - padLeft + fc * dilationW;
            if (xc < 0 || xc >= inW) continue;
            const xOff = ((b * inH + xr) * inW + xc) * inC;
            const wOff = (fr * fw + fc) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xOff + ci]!;
              if (xv === 0) continue;
              const w = wOff + ci * outC;
              for (let co = 0; co < outC; co++) out[w + co]! += xv * dy[dyOff + co]!;
            }
          }
        }
      }
    }
  }
}

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

function inputOf(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`${CONV2D_BACKPROP_FILTER}: missing input '${name}'`);
  if (t.dtype !== 'float32') throw new Error(`${CONV2D_BACKPROP_FILTER}: input '${name}' must be float32, got ${t.dtype}`);
  return t;
}

function heapF32(backend: WasmBackendLike, anyTensor: tf.TensorInfo): Float32Array {
  const view = f32(backend, anyTensor);
  return new Float32Array(view.buffer);
}

function offsetOf(view: Float32Array): number {
  return view.byteOffset / Float32Array.BYTES_PER_ELEMENT;
}

let conv2dBackpropFilterStrategy: 'auto' | 'gemm' | 'direct' = 'auto';
/** For tests and benchmarks: force the XNNPACK matmul path ('gemm') or the plain-JS loop ('direct'); 'auto' runs the SIMD kernel. */
export function setConv2dBackpropFilterStrategy(s: 'auto' | 'gemm' | 'direct'): void {
  conv2dBackpropFilterStrategy = s;
}

export function conv2dBackpropFilterWasm({ inputs, backend, attrs }: KernelFuncArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend, CONV2D_BACKPROP_FILTER);
  const x = inputOf(inputs, 'x');
  const dy = inputOf(inputs, 'dy');
  const g = filterGradGeometry(x.shape, dy.shape, (attrs ?? {}) as Conv2DBackpropFilterAttrsLike);
  const K = g.fh * g.fw * g.inC;
  const rowsPerItem = g.outH * g.outW;
  if (g.batch === 0 || rowsPerItem === 0) {
    const zeros = wasm.makeOutput([...g.filterShape], 'float32');
    f32(wasm, zeros).fill(0);
    return zeros;
  }
  const simd = conv2dBackpropFilterStrategy === 'auto' ? simdFor(backend) : undefined;
  if (simd !== undefined) {
    const out = wasm.makeOutput([...g.filterShape], 'float32');
    try {
      simdConv2dBackpropFilter(simd, g, ptr(backend, x), ptr(backend, dy), ptr(backend, out));
    } catch (err) {
      wasm.disposeData(out.dataId);
      throw err;
    }
    return out;
  }
  const matmul = conv2dBackpropFilterStrategy === 'direct' ? undefined : tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  if (matmul === undefined) {
    if (conv2dBackpropFilterStrategy === 'gemm') throw new Error(`${CONV2D_BACKPROP_FILTER}: no wasm BatchMatMul kernel`);
    const out = wasm.makeOutput([...g.filterShape], 'float32');
    conv2dBackpropFilterDirect(g, f32(wasm, x), f32(wasm, dy), f32(wasm, out));
    return out;
  }

  const chunk = Math.max(1, Math.min(g.batch, Math.floor(MAX_COLS_ELEMENTS / (rowsPerItem * K))));
  const single = chunk >= g.batch;
  const out = single ? undefined : wasm.makeOutput([...g.filterShape], 'float32');
  try {
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const b1 = Math.min(g.batch, b0 + chunk);
      const rows = (b1 - b0) * rowsPerItem;
      const product = chunkProduct(wasm, matmul, backend, x, dy, g, b0, b1, rows, K);
      if (single) {
        // [1, K, outC] is [fh, fw, inC, outC] in memory: hand it out under the filter's shape.
        return { dataId: product.dataId, shape: [...g.filterShape], dtype: 'float32' };
      }
      try {
        const p = f32(wasm, product);
        const o = f32(wasm, out!);
        if (b0 === 0) o.set(p);
        else for (let i = 0; i < o.length; i++) o[i]! += p[i]!;
      } finally {
        wasm.disposeData(product.dataId);
      }
    }
  } catch (err) {
    if (out !== undefined) wasm.disposeData(out.dataId);
    throw err;
  }
  return out!;
}

/** dW contribution of batch items [b0, b1): colsT[K, rows] × dy[rows, outC] on the wasm BatchMatMul kernel. */
function chunkProduct(
  wasm: WasmBackendLike,
  matmul: tf.KernelFunc,
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradGeometry,
  b0: number,
  b1: number,
  rows: number,
  K: number,
): tf.TensorInfo {
  // Both operands are scratch tensors owned by this call: XNNPACK caches its packed right-hand operand under
  // the tensor's id, so the right operand must be a tensor nobody else multiplies with another shape.
  const colsT = wasm.makeOutput([1, K, rows], 'float32');
  const dyChunk = wasm.makeOutput([1, rows, g.outC], 'float32');
  try {
    // Views only after all allocations above (an allocation may grow the memory and detach older views).
    const heap = heapF32(wasm, x);
    im2colT(g, heap, offsetOf(f32(wasm, x)), offsetOf(f32(wasm, colsT)), b0, b1);
    const dySrc = offsetOf(f32(wasm, dy)) + b0 * g.outH * g.outW * g.outC;
    heap.copyWithin(offsetOf(f32(wasm, dyChunk)), dySrc, dySrc + rows * g.outC);
    const result = matmul({
      inputs: { a: colsT, b: dyChunk },
      backend: backend as object,
      attrs: { transposeA: false, transposeB: false },
    });
    const product = Array.isArray(result) ? result[0] : result;
    if (product === undefined) throw new Error(`${CONV2D_BACKPROP_FILTER}: BatchMatMul returned nothing`);
    return product;
  } finally {
    wasm.disposeData(colsT.dataId);
    wasm.disposeData(dyChunk.dataId);
  }
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as tf.KernelFunc,
};
