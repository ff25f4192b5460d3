/**
 * `Conv2DBackpropInput` for the tfjs wasm backend — a *replacement*: tfjs-backend-wasm 4.22 ships one, but it is
 * a naive scalar loop (~400 ms for dy [64,14,14,64] × filter [3,3,32,64], most of a training step of a small CNN).
 * Conv1D layers go through it too (as a Conv2D of height 1).
 *
 *   dx[b, xr, xc, ci] = Σ_{fr, fc, co : xr = yr·sh + fr·dh − padTop, xc = yc·sw + fc·dw − padLeft}
 *                         dy[b, yr, yc, co] · W[fr, fc, ci, co]
 *
 * First choice: mmx's SIMD kernels (../simd/conv.ts), the same two ideas in C: stride 1 as a forward convolution
 * of dy with the flipped filter, any other stride as dy·Wᵀ scattered back.
 *
 * Without them (MMX_SIMD_KERNELS=0, or a forced route), two routes, both on kernels the wasm backend runs in XNNPACK (SIMD), looked up with `tf.getKernel`:
 *
 *  - 'conv' (stride 1): dx is a plain convolution of dy with the filter flipped in space and with its channel axes
 *    swapped, W'[i, j, co, ci] = W[fh−1−i, fw−1−j, ci, co], under explicit padding (eh−1−padTop, eh−1−padBottom,
 *    ew−1−padLeft, ew−1−padRight) where eh, ew are the dilated filter extents. Runs on wasm's own `Conv2D` (which
 *    honours explicit, asymmetric padding and dilations). W' is a scratch tensor: the wasm Conv2D caches its XNNPACK
 *    operator (with the packed filter) under the filter's tensor id and drops it when that tensor is disposed.
 *  - 'gemm' (any stride, padding, dilation): cols[P, K] = dy[P, outC] × Wᵀ[outC, K] on wasm's `BatchMatMul`, with
 *    P = batch·outH·outW and K = fh·fw·inC, then a col2im scatter-add into dx in JS. The right operand (which
 *    XNNPACK packs and caches under its tensor id) is a scratch transposed copy of the filter, so the cache is
 *    never stale; it is pre-transposed because wasm's BatchMatMul falls back to a scalar loop with transposeB.
 *    The batch is processed in chunks so `cols` stays under ~16 MB.
 *
 * The original wasm kernel (saved when this module is loaded, before mmx replaces it) is kept as the fallback for
 * what the routes above do not cover: NCHW data, non-float32 data, or a wasm build without Conv2D/BatchMatMul.
 * Unlike tfjs's kernels (which always assume dilation 1 here), a `dilations` attribute is honoured.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';
import { convGradGeometry, type ConvGradAttrsLike, type ConvGradGeometry } from './conv-geometry.js';
import { asWasmBackend, f32, pair, type WasmBackendLike } from './heap.js';
import { ptr } from '../simd/call.js';
import { simdConv2dBackpropInput, transposedPadding } from '../simd/conv.js';
import { simdFor } from '../simd/module.js';

export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

/** tfjs-backend-wasm's own kernel, captured at load time (before `registerWasmKernels` replaces it). */
const originalConfig: tf.KernelConfig | undefined = tf.getKernel(CONV2D_BACKPROP_INPUT, 'wasm');

/** Upper bound on the cols scratch buffer (float32 elements) per chunk on the 'gemm' route. */
const MAX_COLS_ELEMENTS = 4 * 1024 * 1024;

export type InputGradGeometry = ConvGradGeometry;

export interface Conv2DBackpropInputAttrsLike extends ConvGradAttrsLike {
  dataFormat?: string;
  inputShape?: number[];
}

/** Validates shapes/attributes (NHWC) and resolves the geometry with tfjs-core's own `computeConv2DInfo`. */
export function inputGradGeometry(
  dyShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv2DBackpropInputAttrsLike,
): InputGradGeometry {
  return convGradGeometry(
    CONV2D_BACKPROP_INPUT,
    { input: { shape: attrs.inputShape, name: 'inputShape' }, filter: { shape: filterShape, name: 'filter' }, dy: dyShape },
    attrs,
  );
}

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];
type Route = 'conv' | 'gemm' | 'original';

let strategy: 'auto' | Route = 'auto';
/** For tests and benchmarks: force a route ('conv' throws where it does not apply). */
export function setConv2dBackpropInputStrategy(s: 'auto' | Route): void {
  strategy = s;
}

function single(result: tf.TensorInfo | tf.TensorInfo[], what: string): tf.TensorInfo {
  const t = Array.isArray(result) ? result[0] : result;
  if (t === undefined) throw new Error(`${CONV2D_BACKPROP_INPUT}: ${what} returned nothing`);
  return t;
}

function runOriginal(args: KernelFuncArgs, why: string): tf.TensorInfo {
  if (originalConfig === undefined) {
    throw new Error(`${CONV2D_BACKPROP_INPUT} on wasm (mmx kernel): ${why}, and tfjs-backend-wasm has no kernel to fall back to`);
  }
  return single(originalConfig.kernelFunc(args), 'the original wasm kernel');
}

export function conv2dBackpropInputWasm(args: KernelFuncArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as Conv2DBackpropInputAttrsLike;
  const dy = inputs['dy'];
  const filter = inputs['filter'];
  if (dy === undefined || filter === undefined) throw new Error(`${CONV2D_BACKPROP_INPUT}: inputs 'dy' and 'filter' are required`);
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  const dilations = pair(attrs.dilations, 1, `${CONV2D_BACKPROP_INPUT}: dilations`);
  const plain = dilations[0] === 1 && dilations[1] === 1;
  if (strategy === 'original' || dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    if (!plain) {
      throw new Error(
        `${CONV2D_BACKPROP_INPUT} on wasm (mmx kernel) supports dilations only with NHWC float32 data ` +
          `(got dataFormat '${dataFormat}', dy ${dy.dtype}, filter ${filter.dtype}, dilations [${dilations.join(', ')}])`,
      );
    }
    return runOriginal(args, `dataFormat '${dataFormat}' / dy ${dy.dtype} / filter ${filter.dtype}`);
  }
  const wasm = asWasmBackend(backend, CONV2D_BACKPROP_INPUT);
  const g = inputGradGeometry(dy.shape, filter.shape, attrs);
  if (g.batch * g.inH * g.inW * g.inC === 0 || g.outH * g.outW === 0 || g.outC === 0) {
    const zeros = wasm.makeOutput([...g.inShape], 'float32');
    f32(wasm, zeros).fill(0);
    return zeros;
  }

  const simd = strategy === 'auto' ? simdFor(backend) : undefined;
  if (simd !== undefined) {
    const out = wasm.makeOutput([...g.inShape], 'float32');
    try {
      simdConv2dBackpropInput(simd, g, ptr(backend, dy), ptr(backend, filter), ptr(backend, out));
    } catch (err) {
      wasm.disposeData(out.dataId);
      throw err;
    }
    return out;
  }
  const conv2d = tf.getKernel('Conv2D', 'wasm')?.kernelFunc;
  const matmul = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  const tpad = transposedPadding(g);
  if (strategy === 'conv' || (strategy === 'auto' && tpad !== undefined && conv2d !== undefined)) {
    if (tpad === undefined) throw new Error(`${CONV2D_BACKPROP_INPUT}: the 'conv' route needs stride 1 and padding < filter size`);
    if (conv2d === undefined) throw new Error(`${CONV2D_BACKPROP_INPUT}: no wasm Conv2D kernel`);
    return viaConv2D(wasm, conv2d, backend, dy, filter, g, tpad);
  }
  if (matmul !== undefined) return viaGemm(wasm, matmul, backend, dy, filter, g);
  if (strategy === 'gemm') throw new Error(`${CONV2D_BACKPROP_INPUT}: no wasm BatchMatMul kernel`);
  if (!plain) throw new Error(`${CONV2D_BACKPROP_INPUT}: dilations need wasm's BatchMatMul or Conv2D kernel`);
  return runOriginal(args, 'no wasm Conv2D/BatchMatMul kernel');
}

/** Stride 1: dx = Conv2D(dy, flipped/transposed W) with explicit padding, on wasm's own Conv2D. */
function viaConv2D(
  wasm: WasmBackendLike,
  conv2d: tf.KernelFunc,
  backend: unknown,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: InputGradGeometry,
  [pt, pb, pl, pr]: [number, number, number, number],
): tf.TensorInfo {
  const { fh, fw, inC, outC } = g;
  const flipped = wasm.makeOutput([fh, fw, outC, inC], 'float32');
  try {
    // Views only after the allocation (it may grow the wasm memory and detach older views).
    const w = f32(wasm, filter);
    const wp = f32(wasm, flipped);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
        const dst = (i * fw + j) * outC * inC;
        for (let c = 0; c < inC; c++) {
          const s = src + c * outC;
          for (let o = 0; o < outC; o++) wp[dst + o * inC + c] = w[s + o]!;
        }
      }
    }
    const out = single(
      conv2d({
        inputs: { x: dy, filter: flipped },
        backend: backend as object,
        attrs: {
          strides: [1, 1],
          dilations: [g.dilationH, g.dilationW],
          pad: [
            [0, 0],
            [pt, pb],
            [pl, pr],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        } as unknown as tf.NamedAttrMap,
      }),
      'Conv2D',
    );
    if (out.shape.length !== 4 || out.shape.some((v, i) => v !== g.inShape[i])) {
      wasm.disposeData(out.dataId);
      throw new Error(`${CONV2D_BACKPROP_INPUT}: Conv2D gave [${out.shape.join(', ')}], expected [${g.inShape.join(', ')}]`);
    }
    return out;
  } finally {
    // Also drops the XNNPACK operator wasm's Conv2D cached under this filter's id.
    wasm.disposeData(flipped.dataId);
  }
}

/** Any stride: cols = dy × Wᵀ on wasm's BatchMatMul, then col2im scatter-add, in batch chunks. */
function viaGemm(
  wasm: WasmBackendLike,
  matmul: tf.KernelFunc,
  backend: unknown,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: InputGradGeometry,
): tf.TensorInfo {
  const K = g.fh * g.fw * g.inC;
  const rowsPerItem = g.outH * g.outW;
  const chunk = Math.max(1, Math.min(g.batch, Math.floor(MAX_COLS_ELEMENTS / (rowsPerItem * K))));
  const out = wasm.makeOutput([...g.inShape], 'float32');
  // The filter transposed into a scratch [1, outC, K] tensor: wasm's BatchMatMul only takes its XNNPACK path
  // without transpose flags (with transposeB it runs a scalar loop ~20x slower), and XNNPACK packs and caches the
  // right operand under its tensor id, so that must be a tensor used by nobody else.
  const w = wasm.makeOutput([1, g.outC, K], 'float32');
  let dyChunk: tf.TensorInfo | undefined;
  try {
    f32(wasm, out).fill(0);
    const wt = f32(wasm, w);
    const wf = f32(wasm, filter);
    const outC = g.outC;
    for (let k = 0; k < K; k++) for (let o = 0; o < outC; o++) wt[o * K + k] = wf[k * outC + o]!;
    for (let b0 = 0; b0 < g.batch; b0 += chunk) {
      const b1 = Math.min(g.batch, b0 + chunk);
      const rows = (b1 - b0) * rowsPerItem;
      let a: tf.TensorInfo;
      if (chunk >= g.batch) {
        // The whole dy in one go: the left operand is only read, so dy itself can be used under a [1, P, outC] shape.
        a = { dataId: dy.dataId, shape: [1, rows, g.outC], dtype: 'float32' };
      } else {
        if (dyChunk === undefined || dyChunk.shape[1] !== rows) {
          if (dyChunk !== undefined) wasm.disposeData(dyChunk.dataId);
          dyChunk = undefined;
          dyChunk = wasm.makeOutput([1, rows, g.outC], 'float32');
        }
        const start = b0 * rowsPerItem * g.outC;
        f32(wasm, dyChunk).set(f32(wasm, dy).subarray(start, start + rows * g.outC));
        a = dyChunk;
      }
      const cols = single(
        matmul({ inputs: { a, b: w }, backend: backend as object, attrs: { transposeA: false, transposeB: false } }),
        'BatchMatMul',
      );
      try {
        col2im(g, f32(wasm, cols), f32(wasm, out), b0, b1);
      } finally {
        wasm.disposeData(cols.dataId);
      }
    }
  } catch (err) {
    wasm.disposeData(out.dataId);
    throw err;
  } finally {
    wasm.disposeData(w.dataId);
    if (dyChunk !== undefined) wasm.disposeData(dyChunk.dataId);
  }
  return out;
}

/**
 * Scatter-adds cols[p, (fr·fw + fc)·inC + ci] (p over batch items [b0, b1) × outH × outW) into
 * dx[b, yr·sh + fr·dh − padTop, yc·sw + fc·dw − padLeft, ci], skipping taps over the padding.
 */
function col2im(g: InputGradGeometry, cols: Float32Array, dx: Float32Array, b0: number, b1: number): void {
  const { inH, inW, inC, outH, outW, fh, fw, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const K = fh * fw * inC;
  let p = 0;
  for (let b = b0; b < b1; b++) {
    const xb = b * inH * inW * inC;
    for (let yr = 0; yr < outH; yr++) {
      for (let yc = 0; yc < outW; yc++, p++) {
        const colBase = p * K;
        for (let fr = 0; fr < fh; fr++) {
          const xr = yr * strideH - padTop + fr * dilationH;
          if (xr < 0 || xr >= inH) continue;
          for (let fc = 0; fc < fw; fc++) {
            const xc = yc * strideW - padLeft + fc * dilationW;
            if (xc < 0 || xc >= inW) continue;
            const dst = xb + (xr * inW + xc) * inC;
            const src = colBase + (fr * fw + fc) * inC;
            for (let ci = 0; ci < inC; ci++) dx[dst + ci]! += cols[src + ci]!;
          }
        }
      }
    }
  }
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: CONV2D_BACKPROP_INPUT,
  backendName: 'wasm',
  // The fallback is the original kernel, which needs its setup (a cwrap) when the backend is initialised after
  // this replacement was registered.
  setupFunc: (backend) => {
    originalConfig?.setupFunc?.(backend);
  },
  kernelFunc: conv2dBackpropInputWasm as tf.KernelFunc,
};
