/**
 * `Cast` for the tfjs wasm backend — a *replacement* for the cast to the dtype a tensor already has: tfjs-backend-wasm
 * 4.22 copies it element by element in JavaScript, and training does that on every relu (tfjs's Relu gradient
 * casts the activation to float32 before taking its step) and on dropout's mask. The data is shared instead, with a
 * reference count, as mmx's Identity does (identity.ts). Real conversions keep the original kernel.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';
import { sharedIdentity } from './identity.js';

export const CAST = 'Cast';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(CAST, 'wasm');

export function castWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${CAST}: input 'x' is required`);
  const shared = args.attrs?.['dtype'] === x.dtype ? sharedIdentity(args.backend, x) : undefined;
  if (shared !== undefined) return shared;
  if (originalConfig === undefined) throw new Error(`${CAST} on wasm (mmx kernel): no original kernel`);
  return originalConfig.kernelFunc(args) as tf.TensorInfo;
}

export const castConfig: tf.KernelConfig = {
  kernelName: CAST,
  backendName: 'wasm',
  kernelFunc: castWasm,
};
