/**
 * `Sum` for the tfjs wasm backend — a *replacement* for one case: a float32 sum over a contiguous block of axes
 * that does not include the last one (every bias gradient). On mmx's SIMD kernels (c/reduce.c) at any rank and
 * size; without them, on a rank ≥ 4 input with at least 4096 values per reduced block, in TypeScript:
 *
 * tfjs-backend-wasm 4.22 can only reduce innermost axes, so for any other axes it first transposes the whole input
 * into a scratch copy — slowly for rank 4+. The gradient of a conv bias (and of BatchNormalization's) is exactly
 * that: dy [N, H, W, C] summed over [0, 1, 2] (~2x faster here). Viewing x as [outer, mid, inner] with the block
 * as `mid`:  out[o, j] = Σ_m x[o, m, j], one pass over x, accumulated in float64. Everything else goes to the
 * original (measured: for rank 2-3 its transpose is fast and it wins; so it does for small blocks, e.g. a global
 * average pool of a 7×7 map — Mean is therefore left to tfjs).
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernels must be registered before they are captured below.
import '../../tf-wasm.js';
import { asWasmBackend, f32 } from './heap.js';
import { ptr, withScratch } from '../simd/call.js';
import { simdFor } from '../simd/module.js';

export const SUM = 'Sum';

const originalSum: tf.KernelConfig | undefined = tf.getKernel(SUM, 'wasm');

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

let strategy: 'auto' | 'original' = 'auto';
/** For tests and benchmarks: 'original' sends every Sum to tfjs-backend-wasm's own kernel. */
export function setSumStrategy(s: 'auto' | 'original'): void {
  strategy = s;
}

function runOriginal(config: tf.KernelConfig | undefined, name: string, args: KernelFuncArgs): tf.TensorInfo {
  if (config === undefined) throw new Error(`${name} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  const r = config.kernelFunc(args);
  const t = Array.isArray(r) ? r[0] : r;
  if (t === undefined) throw new Error(`${name}: the original wasm kernel returned nothing`);
  return t;
}

/**
 * The reduced block [first, last] when `axes` are exactly the consecutive axes first..last with last < rank − 1
 * (the last axis kept); else undefined.
 */
export function reducedBlock(axes: readonly number[], rank: number): { first: number; last: number } | undefined {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last >= rank - 1 || last - first + 1 !== sorted.length) return undefined;
  return { first, last };
}

function reduce(args: KernelFuncArgs, name: string, original: tf.KernelConfig | undefined): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${name}: input 'x' is required`);
  const attrs = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
  const simd = strategy === 'auto' && x.dtype === 'float32' ? simdFor(args.backend) : undefined;
  if (
    simd === undefined &&
    (x.dtype !== 'float32' || strategy === 'original' || x.shape.length < 4 || tf.util.sizeFromShape(x.shape) < 4096)
  ) {
    return runOriginal(original, name, args);
  }
  const axes = tf.util.parseAxisParam(attrs.axis ?? [], x.shape);
  const block = reducedBlock(axes, x.shape.length);
  if (block === undefined) return runOriginal(original, name, args);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, block.first));
  const mid = tf.util.sizeFromShape(x.shape.slice(block.first, block.last + 1));
  const inner = tf.util.sizeFromShape(x.shape.slice(block.last + 1));
  // one reduced row is a reshape; small blocks: the original is faster (see the module note)
  if (mid < 2 || (simd === undefined && mid * inner < 4096)) return runOriginal(original, name, args);
  const wasm = asWasmBackend(args.backend, name);
  const outShape = x.shape.flatMap((d, i) => (i < block.first || i > block.last ? [d] : attrs.keepDims === true ? [1] : []));
  const out = wasm.makeOutput(outShape, 'float32');
  if (simd !== undefined) {
    withScratch(simd, [2 * inner], ([acc]) => simd.fn.sum_middle(outer, mid, inner, ptr(args.backend, x), ptr(args.backend, out), acc!));
    return out;
  }
  // views after the allocation (it may grow the wasm memory and detach older views)
  const o = f32(wasm, out);
  const xv = f32(wasm, x);
  const acc = new Float64Array(inner);
  const m4 = mid - (mid % 4);
  const inner2 = 2 * inner;
  const inner3 = 3 * inner;
  for (let q = 0; q < outer; q++) {
    acc.fill(0);
    const base0 = q * mid * inner;
    // four rows per pass: a quarter of the accumulator traffic
    for (let m = 0; m < m4; m += 4) {
      const base = base0 + m * inner;
      for (let j = 0; j < inner; j++) {
        const k = base + j;
        acc[j]! += xv[k]! + xv[k + inner]! + (xv[k + inner2]! + xv[k + inner3]!);
      }
    }
    for (let m = m4; m < mid; m++) {
      const base = base0 + m * inner;
      for (let j = 0; j < inner; j++) acc[j]! += xv[base + j]!;
    }
    const dst = q * inner;
    for (let j = 0; j < inner; j++) o[dst + j] = acc[j]!;
  }
  return out;
}

export function sumWasm(args: KernelFuncArgs): tf.TensorInfo {
  return reduce(args, SUM, originalSum);
}

export const sumConfig: tf.KernelConfig = {
  kernelName: SUM,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalSum?.setupFunc?.(backend);
  },
  kernelFunc: sumWasm as tf.KernelFunc,
};
