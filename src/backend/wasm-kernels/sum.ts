/**
 * `Sum` for the tfjs wasm backend — a *replacement* for one case: a float32 sum over leading axes.
 *
 * tfjs-backend-wasm 4.22 can only reduce innermost axes, so for any other axes it first transposes the whole input
 * into a scratch copy — slowly for rank 4+. The gradient of a conv bias (and of BatchNormalization's) is exactly
 * that case: dy [N, H, W, C] summed over [0, 1, 2]. Here a sum over a prefix of the axes of a rank ≥ 4 input is one
 * pass of column sums (out[j] = Σ_i x[i·inner + j], accumulated in float64). Everything else goes to the original.
 */
import * as tf from '@tensorflow/tfjs';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '@tensorflow/tfjs-backend-wasm';
import { asWasmBackend, f32 } from './heap.js';

export const SUM = 'Sum';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(SUM, 'wasm');

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

let strategy: 'auto' | 'original' = 'auto';
/** For tests and benchmarks: 'original' sends every call to tfjs-backend-wasm's own kernel. */
export function setSumStrategy(s: 'auto' | 'original'): void {
  strategy = s;
}

function runOriginal(args: KernelFuncArgs): tf.TensorInfo {
  if (originalConfig === undefined) throw new Error(`${SUM} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  const r = originalConfig.kernelFunc(args);
  const t = Array.isArray(r) ? r[0] : r;
  if (t === undefined) throw new Error(`${SUM}: the original wasm kernel returned nothing`);
  return t;
}

/** The number of leading axes reduced when `axes` is exactly [0, 1, ..., k−1] with k < rank; else undefined. */
export function leadingAxes(axes: readonly number[], rank: number): number | undefined {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return undefined;
  return sorted.every((a, i) => a === i) ? sorted.length : undefined;
}

export function sumWasm(args: KernelFuncArgs): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${SUM}: input 'x' is required`);
  const attrs = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
  if (x.dtype !== 'float32' || strategy === 'original') return runOriginal(args);
  const axes = tf.util.parseAxisParam(attrs.axis ?? [], x.shape);
  const k = leadingAxes(axes, x.shape.length);
  const outer = k === undefined ? 0 : tf.util.sizeFromShape(x.shape.slice(0, k));
  // Measured: the original's transpose is fast for rank 2-3 (it wins there) and slow for rank 4+ (the NHWC bias
  // gradients, ~1.5x faster here). One reduced row (outer = 1) is a reshape; tiny inputs are not worth it.
  if (k === undefined || x.shape.length < 4 || outer < 2 || tf.util.sizeFromShape(x.shape) < 4096) return runOriginal(args);
  const wasm = asWasmBackend(args.backend, SUM);
  const rest = x.shape.slice(k);
  const inner = tf.util.sizeFromShape(rest);
  const outShape = attrs.keepDims === true ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest;
  const out = wasm.makeOutput(outShape, 'float32');
  // views after the allocation (it may grow the wasm memory and detach older views)
  const o = f32(wasm, out);
  const xv = f32(wasm, x);
  const acc = new Float64Array(inner);
  // four rows per pass: a quarter of the accumulator traffic
  const i4 = outer - (outer % 4);
  const inner2 = 2 * inner;
  const inner3 = 3 * inner;
  for (let i = 0; i < i4; i += 4) {
    const base = i * inner;
    for (let j = 0; j < inner; j++) {
      const k = base + j;
      acc[j]! += xv[k]! + xv[k + inner]! + (xv[k + inner2]! + xv[k + inner3]!);
    }
  }
  for (let i = i4; i < outer; i++) {
    const base = i * inner;
    for (let j = 0; j < inner; j++) acc[j]! += xv[base + j]!;
  }
  for (let j = 0; j < inner; j++) o[j] = acc[j]!;
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: SUM,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalConfig?.setupFunc?.(backend);
  },
  kernelFunc: sumWasm as tf.KernelFunc,
};
