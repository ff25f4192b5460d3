/**
 * Batched, broadcast, transposed matrix products on mmx's SIMD gemm (c/gemm.c), with an optional per-column bias
 * and relu applied as the product is written. A transposed left operand is read in place (gemm's strides); A·Bᵀ
 * runs on gemm_nt (dot products along both rows, no copy); only Aᵀ·Bᵀ transposes B into scratch first.
 */
import * as tf from '../../tf.js';
import { ptr, withScratch } from './call.js';
import { GEMM_RELU, type SimdKernels } from './module.js';

interface WasmOutputs {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): void;
}

/** Index of the operand's matrix for output batch item `i` (NumPy broadcasting over the outer dims). */
export function operandIndex(i: number, outer: readonly number[], operandOuter: readonly number[]): number {
  if (operandOuter.length === 0) return 0;
  let rem = i;
  let idx = 0;
  let stride = 1;
  const offset = outer.length - operandOuter.length;
  const coords = new Array<number>(outer.length);
  for (let d = outer.length - 1; d >= 0; d--) {
    coords[d] = rem % outer[d]!;
    rem = Math.floor(rem / outer[d]!);
  }
  for (let d = operandOuter.length - 1; d >= 0; d--) {
    const size = operandOuter[d]!;
    idx += (size === 1 ? 0 : coords[d + offset]!) * stride;
    stride *= size;
  }
  return idx;
}

export interface ProductShape {
  m: number;
  k: number;
  n: number;
  outerA: readonly number[];
  outerB: readonly number[];
  outer: readonly number[];
}

/**
 * out[..., M, N] = act(op(a) · op(b) + bias). `bias`: a float32 tensor of N values, or undefined. Returns the
 * output tensor (the caller's to dispose).
 */
export function simdMatMul(
  k: SimdKernels,
  backend: unknown,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  tA: boolean,
  tB: boolean,
  g: ProductShape,
  bias: tf.TensorInfo | undefined,
  relu: boolean,
): tf.TensorInfo {
  const wasm = backend as WasmOutputs;
  const { m, n } = g;
  const kk = g.k;
  const batchA = tf.util.sizeFromShape([...g.outerA]);
  const batchB = tf.util.sizeFromShape([...g.outerB]);
  const batch = tf.util.sizeFromShape([...g.outer]);
  const out = wasm.makeOutput([...g.outer, m, n], 'float32');
  try {
    const pa = ptr(backend, a);
    const pb = ptr(backend, b);
    const pc = ptr(backend, out);
    const pbias = bias !== undefined ? ptr(backend, bias) : 0;
    const flags = relu ? GEMM_RELU : 0;
    const aRs = tA ? 1 : kk;
    const aCs = tA ? m : 1;
    if (tB && !tA) {
      // A·Bᵀ: both operands are read along k in place
      if (batchB === 1 && batchA === batch) {
        k.fn.gemm_nt(batch * m, n, kk, pa, kk, pb, kk, pc, n, pbias, flags);
        return out;
      }
      for (let i = 0; i < batch; i++) {
        const ai = operandIndex(i, g.outer, g.outerA);
        const bi = operandIndex(i, g.outer, g.outerB);
        k.fn.gemm_nt(m, n, kk, pa + ai * m * kk * 4, kk, pb + bi * n * kk * 4, kk, pc + i * m * n * 4, n, pbias, flags);
      }
      return out;
    }
    // transposed right operands, each transposed once into scratch ([K, N] per distinct matrix)
    withScratch(k, [tB ? kk * n * batchB : 0], ([scratch]) => {
      const right = (bi: number): number => pb + bi * kk * n * 4;
      if (tB) for (let bi = 0; bi < batchB; bi++) k.fn.transpose(right(bi), n, kk, scratch! + bi * kk * n * 4);
      const bOf = (bi: number): number => (tB ? scratch! : pb) + bi * kk * n * 4;
      if (batchB === 1 && !tA && batchA === batch) {
        // one right matrix for all: the left batch folds into rows (the same memory layout as [...outer, M, N])
        k.fn.gemm(batch * m, n, kk, pa, aRs, aCs, bOf(0), n, pc, n, pbias, flags);
        return;
      }
      for (let i = 0; i < batch; i++) {
        const ai = operandIndex(i, g.outer, g.outerA);
        const bi = operandIndex(i, g.outer, g.outerB);
        k.fn.gemm(m, n, kk, pa + ai * m * kk * 4, aRs, aCs, bOf(bi), n, pc + i * m * n * 4, n, pbias, flags);
      }
    });
  } catch (err) {
    wasm.disposeData(out.dataId);
    throw err;
  }
  return out;
}
