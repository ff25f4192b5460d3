/**
 * `BatchMatMul` and `_FusedMatMul` for the tfjs wasm backend — *replacements* that route every case through the
 * fast path of tfjs-backend-wasm's own kernels.
 *
 * tfjs-backend-wasm 4.22 runs a matrix product on XNNPACK (SIMD, packed weights, ~15–20 GFLOP/s here) only when
 * neither operand is transposed and both have batch size 1. Anything else — transposeA, transposeB, or a batch of
 * matrices — falls to a scalar blocked loop ~10x slower. A Dense layer's backward pass is exactly that:
 * dx = dy·Wᵀ (transposeB) and dW = xᵀ·dy (transposeA); an LSTM does both on every time step.
 *
 * What these kernels do instead: mmx's SIMD gemm (../simd/matmul.ts) for every float32 product (a transposed left
 * operand read in place, a transposed right one transposed into scratch, batches folded or looped; bias and relu
 * of _FusedMatMul applied as the product is written; other fused activations take the route below).
 *
 * Without the SIMD kernels (original kernels, captured at load time, do the arithmetic):
 *  - a transposed operand is transposed explicitly into a scratch tensor on the wasm heap (a cache-blocked copy
 *    in JS), then the product runs with no transpose flags;
 *  - a batch of left matrices times one right matrix ([..., M, K] × [K, N]) is one [batch·M, K] × [K, N] product;
 *  - a true batch (both sides batched, or broadcast) runs one XNNPACK product per batch item, on scratch copies.
 *  Tiny unfused products (where the scratch copies cost more than the naive loop saves) go to the original
 *  kernel. `_FusedMatMul` never does: the original's scalar loop adds the bias wrongly (see fusedMatMulWasm).
 *
 * XNNPACK caches its packed right operand under the tensor's id (not its shape). The original kernel is handed a
 * caller's tensor as the right operand only with the [K, N] shape it was first used with; a tensor seen under
 * another shape is copied into a scratch tensor instead, so a stale packed operand can never be used.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernels must be registered before they are captured below.
import '../../tf-wasm.js';
import { asWasmBackend, type WasmBackendLike } from './heap.js';
import { operandIndex, simdMatMul } from '../simd/matmul.js';
import { simdFor } from '../simd/module.js';

export const BATCH_MAT_MUL = 'BatchMatMul';
export const FUSED_MAT_MUL = '_FusedMatMul';

const originalMatMul: tf.KernelConfig | undefined = tf.getKernel(BATCH_MAT_MUL, 'wasm');
const originalFused: tf.KernelConfig | undefined = tf.getKernel(FUSED_MAT_MUL, 'wasm');

/** Below this many multiply-adds per product, scratch copies cost more than the naive loop: use the original. */
const MIN_MACS = 16 * 1024;

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

interface MatMulAttrsLike {
  transposeA?: boolean;
  transposeB?: boolean;
}

type Route = 'auto' | 'original';
let strategy: Route = 'auto';
/** For tests and benchmarks: 'original' sends everything to tfjs-backend-wasm's own kernel. */
export function setMatMulStrategy(s: Route): void {
  strategy = s;
}

/** The shape a tensor (by its dataId) was first used with as XNNPACK's right operand: `${K}x${N}`. */
const rightOperandShapes = new WeakMap<object, string>();

function single(result: tf.TensorInfo | tf.TensorInfo[], what: string): tf.TensorInfo {
  const t = Array.isArray(result) ? result[0] : result;
  if (t === undefined) throw new Error(`${what} returned nothing`);
  return t;
}

function runOriginal(config: tf.KernelConfig | undefined, name: string, args: KernelFuncArgs): tf.TensorInfo {
  if (config === undefined) throw new Error(`${name} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  return single(config.kernelFunc(args), name);
}

/** Geometry of a (possibly batched, broadcast, transposed) product. */
interface Geometry {
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  outer: number[];
  batchA: number;
  batchB: number;
  batch: number;
}

function geometry(a: tf.TensorInfo, b: tf.TensorInfo, tA: boolean, tB: boolean, name: string): Geometry {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) throw new Error(`${name}: operands must have rank ≥ 2, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const m = a.shape[tA ? ra - 1 : ra - 2]!;
  const kA = a.shape[tA ? ra - 2 : ra - 1]!;
  const kB = b.shape[tB ? rb - 1 : rb - 2]!;
  const n = b.shape[tB ? rb - 2 : rb - 1]!;
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${tA} and transposeB=${tB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  return {
    m,
    k: kA,
    n,
    outerA,
    outerB,
    outer,
    batchA: tf.util.sizeFromShape(outerA),
    batchB: tf.util.sizeFromShape(outerB),
    batch: tf.util.sizeFromShape(outer),
  };
}

/** One Float32Array over the whole wasm memory (take it after every allocation). */
function heapOf(wasm: WasmBackendLike, anyTensor: tf.TensorInfo): Float32Array {
  const view = wasm.typedArrayFromHeap(anyTensor);
  return new Float32Array(view.buffer);
}

function offsetOf(wasm: WasmBackendLike, t: tf.TensorInfo): number {
  return wasm.typedArrayFromHeap(t).byteOffset / Float32Array.BYTES_PER_ELEMENT;
}

/** heap[dst + c·rows + r] = heap[src + r·cols + c]: a [rows, cols] matrix transposed, in cache-sized tiles. */
function transposeInto(heap: Float32Array, src: number, dst: number, rows: number, cols: number): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const s = src + r * cols;
        const d = dst + r;
        for (let c = c0; c < c1; c++) heap[d + c * rows] = heap[s + c]!;
      }
    }
  }
}

/**
 * The right operand as XNNPACK should see it: [1, K, N], not transposed. `b` itself when it is a plain [K, N]
 * matrix first seen with this shape; otherwise a scratch copy (transposed if `tB`) of matrix `index`. The
 * returned `scratch` flag says whether the caller must dispose it.
 */
function rightOperand(
  wasm: WasmBackendLike,
  b: tf.TensorInfo,
  g: Geometry,
  tB: boolean,
  index: number,
): { t: tf.TensorInfo; scratch: boolean } {
  const key = `${g.k}x${g.n}`;
  if (!tB && g.batchB === 1) {
    const seen = rightOperandShapes.get(b.dataId);
    if (seen === undefined) rightOperandShapes.set(b.dataId, key);
    if (seen === undefined || seen === key) return { t: { dataId: b.dataId, shape: [1, g.k, g.n], dtype: 'float32' }, scratch: false };
  }
  const t = wasm.makeOutput([1, g.k, g.n], 'float32');
  const heap = heapOf(wasm, t);
  const src = offsetOf(wasm, b) + index * g.k * g.n;
  const dst = offsetOf(wasm, t);
  if (tB) transposeInto(heap, src, dst, g.n, g.k);
  else heap.copyWithin(dst, src, src + g.k * g.n);
  return { t, scratch: true };
}

/** The left operand as [1, rows, K] not transposed: `a` itself (reshaped) when possible, else a scratch copy. */
function leftOperand(
  wasm: WasmBackendLike,
  a: tf.TensorInfo,
  g: Geometry,
  tA: boolean,
  index: number,
  fold: boolean,
): { t: tf.TensorInfo; scratch: boolean } {
  if (!tA) {
    if (fold) return { t: { dataId: a.dataId, shape: [1, g.batchA * g.m, g.k], dtype: 'float32' }, scratch: false };
    if (g.batchA === 1) return { t: { dataId: a.dataId, shape: [1, g.m, g.k], dtype: 'float32' }, scratch: false };
  }
  const rows = fold ? g.batchA * g.m : g.m;
  const t = wasm.makeOutput([1, rows, g.k], 'float32');
  const heap = heapOf(wasm, t);
  const dst = offsetOf(wasm, t);
  const mats = fold ? g.batchA : 1;
  for (let j = 0; j < mats; j++) {
    const src = offsetOf(wasm, a) + (fold ? j : index) * g.m * g.k;
    if (tA) transposeInto(heap, src, dst + j * g.m * g.k, g.k, g.m);
    else heap.copyWithin(dst + j * g.m * g.k, src, src + g.m * g.k);
  }
  return { t, scratch: true };
}

/**
 * Runs `product(left, right)` (an original kernel without transposes) for the whole product, by folding or per
 * batch item. Returns the output [...outer, M, N].
 */
function fastProduct(
  wasm: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  g: Geometry,
  tA: boolean,
  tB: boolean,
  product: (left: tf.TensorInfo, right: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const outShape = [...g.outer, g.m, g.n];
  const scratch: tf.TensorInfo[] = [];
  const take = (o: { t: tf.TensorInfo; scratch: boolean }): tf.TensorInfo => {
    if (o.scratch) scratch.push(o.t);
    return o.t;
  };
  try {
    // One right matrix for all: fold the left batch into rows (same memory layout as [...outer, M, N]).
    if (g.batchB === 1 && g.batchA === g.batch) {
      const right = take(rightOperand(wasm, b, g, tB, 0));
      const left = take(leftOperand(wasm, a, g, tA, 0, true));
      const out = product(left, right);
      return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
    }
    const out = wasm.makeOutput(outShape, 'float32');
    try {
      const sharedRight = g.batchB === 1 ? take(rightOperand(wasm, b, g, tB, 0)) : undefined;
      for (let i = 0; i < g.batch; i++) {
        const itemScratch: tf.TensorInfo[] = [];
        const own = (o: { t: tf.TensorInfo; scratch: boolean }): tf.TensorInfo => {
          if (o.scratch) itemScratch.push(o.t);
          return o.t;
        };
        try {
          const right = sharedRight ?? own(rightOperand(wasm, b, g, tB, operandIndex(i, g.outer, g.outerB)));
          const ai = operandIndex(i, g.outer, g.outerA);
          const left =
            g.batchA === 1 && !tA
              ? { dataId: a.dataId, shape: [1, g.m, g.k], dtype: 'float32' as const }
              : own(leftOperand(wasm, a, g, tA, ai, false));
          const r = product(left, right);
          try {
            const heap = heapOf(wasm, r);
            const src = offsetOf(wasm, r);
            heap.copyWithin(offsetOf(wasm, out) + i * g.m * g.n, src, src + g.m * g.n);
          } finally {
            wasm.disposeData(r.dataId);
          }
        } finally {
          for (const t of itemScratch) wasm.disposeData(t.dataId);
        }
      }
    } catch (err) {
      wasm.disposeData(out.dataId);
      throw err;
    }
    return out;
  } finally {
    for (const t of scratch) wasm.disposeData(t.dataId);
  }
}

/**
 * True when the naive loop of the original kernel is the better choice: a transposed or batched product too small
 * for scratch copies to pay off. (A plain [M, K] × [K, N] product always goes through `fastProduct`, which hands
 * it to the original's XNNPACK path, guarding its cache.)
 */
function originalIsFine(g: Geometry, tA: boolean, tB: boolean): boolean {
  if (!tA && !tB && g.batchA === 1 && g.batchB === 1) return false;
  const folds = g.batchB === 1 && g.batchA === g.batch;
  return g.m * g.n * g.k * (folds ? g.batch : 1) < MIN_MACS;
}

export function batchMatMulWasm(args: KernelFuncArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const a = inputs['a'];
  const b = inputs['b'];
  if (a === undefined || b === undefined) throw new Error(`${BATCH_MAT_MUL}: inputs 'a' and 'b' are required`);
  const attrs = (args.attrs ?? {}) as MatMulAttrsLike;
  const tA = attrs.transposeA === true;
  const tB = attrs.transposeB === true;
  if (strategy === 'original' || a.dtype !== 'float32' || b.dtype !== 'float32') return runOriginal(originalMatMul, BATCH_MAT_MUL, args);
  const g = geometry(a, b, tA, tB, BATCH_MAT_MUL);
  const simd = g.batch * g.m * g.n > 0 ? simdFor(backend) : undefined;
  if (simd !== undefined) return simdMatMul(simd, backend, a, b, tA, tB, g, undefined, false);
  if (g.batch * g.m * g.n === 0 || originalIsFine(g, tA, tB)) return runOriginal(originalMatMul, BATCH_MAT_MUL, args);
  const wasm = asWasmBackend(backend, BATCH_MAT_MUL);
  // A·Bᵀ with a wide B (dx = dy·Wᵀ of a Dense layer): transposing and packing B costs 2·K·N; computing
  // (B·Aᵀ)ᵀ instead costs a transposed copy of A (M·K, packed again) and of the result (M·N).
  if (!tA && tB && g.batch === 1 && 2 * g.m * g.k + g.m * g.n < 2 * g.k * g.n) return swappedProduct(wasm, a, b, g, backend);
  return fastProduct(wasm, a, b, g, tA, tB, (left, right) =>
    runOriginal(originalMatMul, BATCH_MAT_MUL, {
      inputs: { a: left, b: right },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }),
  );
}

/** A·Bᵀ (one matrix each) as (B·Aᵀ)ᵀ: B is the left operand as it is, Aᵀ a scratch right operand. */
function swappedProduct(wasm: WasmBackendLike, a: tf.TensorInfo, b: tf.TensorInfo, g: Geometry, backend: unknown): tf.TensorInfo {
  const aT = wasm.makeOutput([1, g.k, g.m], 'float32');
  let product: tf.TensorInfo | undefined;
  try {
    transposeInto(heapOf(wasm, aT), offsetOf(wasm, a), offsetOf(wasm, aT), g.m, g.k);
    product = runOriginal(originalMatMul, BATCH_MAT_MUL, {
      inputs: { a: { dataId: b.dataId, shape: [1, g.n, g.k], dtype: 'float32' }, b: aT },
      backend: backend as object,
      attrs: { transposeA: false, transposeB: false },
    });
    const out = wasm.makeOutput([...g.outer, g.m, g.n], 'float32');
    transposeInto(heapOf(wasm, out), offsetOf(wasm, product), offsetOf(wasm, out), g.n, g.m);
    return out;
  } finally {
    wasm.disposeData(aT.dataId);
    if (product !== undefined) wasm.disposeData(product.dataId);
  }
}

export function fusedMatMulWasm(args: KernelFuncArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const a = inputs['a'];
  const b = inputs['b'];
  if (a === undefined || b === undefined) throw new Error(`${FUSED_MAT_MUL}: inputs 'a' and 'b' are required`);
  const attrs = (args.attrs ?? {}) as MatMulAttrsLike & tf.NamedAttrMap;
  const tA = attrs.transposeA === true;
  const tB = attrs.transposeB === true;
  if (strategy === 'original' || a.dtype !== 'float32' || b.dtype !== 'float32') return runOriginal(originalFused, FUSED_MAT_MUL, args);
  const g = geometry(a, b, tA, tB, FUSED_MAT_MUL);
  // Always through XNNPACK, however small: the original's scalar loop (transposes, batches) adds a rank-1 bias
  // wrongly (at index min(i·N + j, N − 1), once per 48-wide block of K). Bias and activation apply per row of
  // [rows, N], so folding the left batch into rows, or running per batch item, keeps them exact.
  if (g.batch * g.m * g.n === 0) return runOriginal(originalFused, FUSED_MAT_MUL, args);
  const simd = simdFor(backend);
  const bias = inputs['bias'] ?? undefined;
  const activation = attrs['activation'] ?? 'linear';
  if (
    simd !== undefined &&
    (activation === 'linear' || activation === 'relu') &&
    (bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === g.n))
  )
    return simdMatMul(simd, backend, a, b, tA, tB, g, bias, activation === 'relu');
  const wasm = asWasmBackend(backend, FUSED_MAT_MUL);
  return fastProduct(wasm, a, b, g, tA, tB, (left, right) =>
    runOriginal(originalFused, FUSED_MAT_MUL, {
      inputs: { ...inputs, a: left, b: right },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }),
  );
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: BATCH_MAT_MUL,
  backendName: 'wasm',
  // The original kernels need their setup (a cwrap) when the backend is initialised after the replacement.
  setupFunc: (backend) => {
    originalMatMul?.setupFunc?.(backend);
  },
  kernelFunc: batchMatMulWasm as tf.KernelFunc,
};

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: FUSED_MAT_MUL,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalFused?.setupFunc?.(backend);
  },
  kernelFunc: fusedMatMulWasm as tf.KernelFunc,
};
