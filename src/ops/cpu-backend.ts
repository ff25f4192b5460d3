/** What mmx's cpu kernels (src/ops/*.ts) use of tfjs's cpu backend: reading an input, making an output. */
import type * as tf from '../tf.js';

export interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

/** `backend` as the cpu backend; throws naming the kernel where it is not one. */
export function asCpuBackend(backend: unknown, kernel: string): CpuBackendLike {
  const c = backend as Partial<CpuBackendLike> | null;
  if (c == null || typeof c.readSync !== 'function' || typeof c.makeTensorInfo !== 'function')
    throw new Error(`${kernel}: expected tfjs's cpu backend`);
  return c as CpuBackendLike;
}

/** A float32 input's values (the backend's own array: read it, never write it). */
export function readF32(backend: CpuBackendLike, t: tf.TensorInfo, kernel: string): Float32Array {
  const values = backend.readSync(t.dataId);
  if (!(values instanceof Float32Array)) throw new Error(`${kernel}: expected float32 data`);
  return values;
}
