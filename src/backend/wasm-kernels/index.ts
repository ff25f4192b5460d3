/**
 * Kernels that tfjs-backend-wasm 4.22 lacks or gets wrong, but training mmx models needs; registered for 'wasm'.
 *
 * Added (missing in tfjs-backend-wasm):
 *  - Conv2DBackpropFilter: gradient of Conv2D's filter (Conv1D too: tfjs runs it as a Conv2D of height 1).
 *  - UnsortedSegmentSum: gradient of Gather, i.e. of an Embedding layer.
 *  - the fused optimiser updates (src/ops/fused-updates.ts: MmxAdamUpdate), one kernel per variable and step.
 *  - MmxReluGrad: Relu's gradient in one pass (src/ops/relu-grad.ts).
 *  - MmxDropout: dropout in one pass, its mask a hash of the element's index (src/ops/dropout.ts).
 * Replaced (present but wrong or slow):
 *  - MaxPoolGrad: drops the gradient of every pooling window whose values are all ≤ 0 (see max-pool-grad.ts).
 *  - Conv2DBackpropInput: correct but a naive scalar loop, most of a CNN training step; mmx's runs on wasm's own
 *    XNNPACK Conv2D / BatchMatMul (see conv2d-backprop-input.ts) and keeps the original as its fallback.
 *  - BatchMatMul, _FusedMatMul: XNNPACK only without transposes and batch 1, a scalar loop otherwise (every Dense
 *    backward pass; and that loop adds a fused bias wrongly); mmx's transpose explicitly / fold batches and call
 *    the original's fast path (see batch-mat-mul.ts).
 *  - Sum: transposes its whole input unless the reduced axes are innermost; mmx's sums a large block of leading
 *    or middle axes of a rank ≥ 4 input (conv bias gradients) in one pass and leaves the rest to the original
 *    (see sum.ts).
 *  - Identity: copies the tensor; mmx's shares the data with a reference count, as the cpu backend does.
 *  - Cast: the same for a cast to the dtype a tensor already has (every relu's gradient does one).
 *  - MaxPool: one SIMD scan over the windows (see max-pool.ts).
 *  - Add: a bias add (the bias broadcast along the last axis) in one SIMD pass (see add.ts).
 *  - GatherV2 (an Embedding's forward): per-element index arithmetic in C++; mmx's copies whole slices
 *    (see gather.ts).
 *  - Slice, SplitV, Unpack: copy the whole input out of the heap for every slice; mmx's copy only the slice, on
 *    the heap, and share a whole-tensor slice (see slice.ts).
 *
 * Kernels are looked up when an op runs, so registering before or after `tf.setBackend('wasm')` both work; it
 * must happen before the first training step. Replacements that call the original kernel run its setup (a cwrap)
 * from their own setupFunc, for a backend initialised after registration.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: importing tfjs-backend-wasm registers its own kernels (MaxPoolGrad among them), so it
// must have happened before registerWasmKernels() replaces any of them.
import '../../tf-wasm.js';
import { addConfig } from './add.js';
import { batchMatMulConfig, fusedMatMulConfig } from './batch-mat-mul.js';
import { castConfig } from './cast.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { conv2dConfig, fusedConv2dConfig } from './conv2d.js';
import { gatherV2Config } from './gather.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { maxPoolConfig } from './max-pool.js';
import { reluGradWasmConfig } from './relu-grad.js';
import { sliceConfig, splitVConfig, unpackConfig } from './slice.js';
import { sumConfig } from './sum.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { fusedUpdateWasmConfigs } from './fused-update.js';
import { dropoutWasmConfig } from './dropout.js';

export { BATCH_MAT_MUL, FUSED_MAT_MUL, setMatMulStrategy } from './batch-mat-mul.js';
export { CONV2D_BACKPROP_FILTER, setConv2dBackpropFilterStrategy } from './conv2d-backprop-filter.js';
export { CONV2D_BACKPROP_INPUT, setConv2dBackpropInputStrategy } from './conv2d-backprop-input.js';
export { CONV2D, FUSED_CONV2D } from './conv2d.js';
export { GATHER_V2, setGatherStrategy } from './gather.js';
export { IDENTITY, setIdentityStrategy } from './identity.js';
export { CAST } from './cast.js';
export { ADD } from './add.js';
export { MAX_POOL_GRAD } from './max-pool-grad.js';
export { MAX_POOL } from './max-pool.js';
export { SUM, setSumStrategy } from './sum.js';
export { SLICE, SPLIT_V, UNPACK, setSliceStrategy } from './slice.js';
export { UNSORTED_SEGMENT_SUM } from './unsorted-segment-sum.js';

/** Kernels tfjs-backend-wasm does not have. If a later version ships its own, that one is kept. */
const ADDED: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  unsortedSegmentSumConfig,
  ...fusedUpdateWasmConfigs,
  reluGradWasmConfig,
  dropoutWasmConfig,
];
/** Kernels tfjs-backend-wasm has but computes wrongly or slowly: always replaced by mmx's. */
const REPLACED: readonly tf.KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  maxPoolGradConfig,
  maxPoolConfig,
  conv2dBackpropInputConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  sumConfig,
  identityConfig,
  castConfig,
  gatherV2Config,
  addConfig,
  sliceConfig,
  splitVConfig,
  unpackConfig,
];

/** Names of the kernels this module adds to the wasm backend. */
export const WASM_EXTRA_KERNELS: readonly string[] = ADDED.map((k) => k.kernelName);
/** Names of the wasm kernels this module replaces with its own. */
export const WASM_REPLACED_KERNELS: readonly string[] = REPLACED.map((k) => k.kernelName);

/**
 * Registers the extra and replacement wasm kernels. Idempotent. Returns the names it (re)registered now
 * (empty on a second call).
 */
export function registerWasmKernels(): string[] {
  const changed: string[] = [];
  for (const config of ADDED) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel(config);
    changed.push(config.kernelName);
  }
  for (const config of REPLACED) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    // Unregister first: registering over an existing kernel works but prints a warning.
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    changed.push(config.kernelName);
  }
  return changed;
}

/** True when `kernelName` on wasm is mmx's own kernel (added or replacement). */
export function isMmxWasmKernel(kernelName: string): boolean {
  const current = tf.getKernel(kernelName, 'wasm');
  return current !== undefined && [...ADDED, ...REPLACED].some((c) => c.kernelFunc === current.kernelFunc);
}
