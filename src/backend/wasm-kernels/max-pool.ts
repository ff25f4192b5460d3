/**
 * `MaxPool` for the tfjs wasm backend — a *replacement* on mmx's SIMD kernels (c/pool.c), float32 NHWC: a training
 * step's pooling outputs are activation-sized, and one vector scan over the windows beats XNNPACK's operator set-up
 * per call here. Semantics as tfjs's cpu backend: NaN is never the maximum. The original kernel stays the fallback
 * (no SIMD kernels, other dtypes).
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';
import { ptr, withInts } from '../simd/call.js';
import { simdFor } from '../simd/module.js';
import { asWasmBackend } from './heap.js';
import { poolInfo, poolInts } from './pool-geometry.js';

export const MAX_POOL = 'MaxPool';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(MAX_POOL, 'wasm');

export function maxPoolWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const x = inputs['x'];
  const k = x !== undefined && x.dtype === 'float32' && x.shape.length === 4 ? simdFor(backend) : undefined;
  if (k === undefined || x === undefined) {
    if (originalConfig === undefined) throw new Error(`${MAX_POOL} on wasm (mmx kernel): no original kernel`);
    return originalConfig.kernelFunc(args);
  }
  const info = poolInfo(MAX_POOL, x.shape, attrs);
  const out = asWasmBackend(backend, MAX_POOL).makeOutput([...info.outShape], 'float32');
  // every window inside the input (no padding or dilation, channels a multiple of 4): the scan without bounds checks
  const inside =
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.inChannels % 4 === 0 &&
    (info.outHeight - 1) * info.strideHeight + info.filterHeight <= info.inHeight &&
    (info.outWidth - 1) * info.strideWidth + info.filterWidth <= info.inWidth;
  const run = inside ? k.fn.max_pool_inside : k.fn.max_pool;
  if (tf.util.sizeFromShape(info.outShape) > 0) withInts(k, poolInts(info), (g) => run(g, ptr(backend, x), ptr(backend, out)));
  return out;
}

export const maxPoolConfig: tf.KernelConfig = {
  kernelName: MAX_POOL,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalConfig?.setupFunc?.(backend);
  },
  kernelFunc: maxPoolWasm,
};
