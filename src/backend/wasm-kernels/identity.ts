/**
 * `Identity` for the tfjs wasm backend — a *replacement*: tfjs-backend-wasm 4.22 copies the whole tensor into a new
 * buffer; tfjs's cpu backend (and wasm's own Reshape) instead share the data and count a reference. tfjs-core never
 * writes into a tensor's data after creating it, so sharing is safe; training calls Identity for gradients that
 * pass through unchanged (several copies of activation-sized tensors per step). Strings keep the original path.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';

export const IDENTITY = 'Identity';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(IDENTITY, 'wasm');

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

let strategy: 'auto' | 'original' = 'auto';
/** For tests and benchmarks: 'original' copies, as tfjs-backend-wasm's own kernel does. */
export function setIdentityStrategy(s: 'auto' | 'original'): void {
  strategy = s;
}

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/** `x` again, sharing its data (one more reference); undefined where that is not possible (strings, 'original'). */
export function sharedIdentity(backend: unknown, x: tf.TensorInfo): tf.TensorInfo | undefined {
  const b = backend as Partial<RefCounting> | null;
  if (x.dtype === 'string' || typeof b?.incRef !== 'function' || strategy === 'original') return undefined;
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identityWasm(args: KernelFuncArgs): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${IDENTITY}: input 'x' is required`);
  const shared = sharedIdentity(args.backend, x);
  if (shared !== undefined) return shared;
  if (originalConfig === undefined) throw new Error(`${IDENTITY} on wasm (mmx kernel): no original kernel for ${x.dtype}`);
  return originalConfig.kernelFunc(args) as tf.TensorInfo;
}

export const identityConfig: tf.KernelConfig = {
  kernelName: IDENTITY,
  backendName: 'wasm',
  kernelFunc: identityWasm as tf.KernelFunc,
};
