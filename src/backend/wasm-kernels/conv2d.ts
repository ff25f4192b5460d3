/**
 * `Conv2D` and `FusedConv2D` for the tfjs wasm backend — *replacements* running on mmx's SIMD kernels
 * (../simd/conv.ts): an im2col-free product for Conv1D (and any filter of height 1), im2col chunks that stay in
 * L2 otherwise, bias and relu applied as the product is written.
 *
 * tfjs-backend-wasm's own kernels run XNNPACK, which packs the filter into its own layout whenever it meets a
 * filter tensor it has not seen — on every training step, since each step's weights are new tensors. mmx's
 * kernels read the filter where it lies.
 *
 * The original kernels (captured at load time) stay the fallback: NCHW data, non-float32 data, a fused activation
 * other than linear or relu, a bias that is not one value per output channel, or no SIMD kernels.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernels must be registered before they are captured below.
import '../../tf-wasm.js';
import { ptr } from '../simd/call.js';
import { simdConv2d } from '../simd/conv.js';
import { simdFor } from '../simd/module.js';
import { geometryOf } from './conv-geometry.js';
import { asWasmBackend, pair } from './heap.js';

export const CONV2D = 'Conv2D';
export const FUSED_CONV2D = 'FusedConv2D';

const originalConv: tf.KernelConfig | undefined = tf.getKernel(CONV2D, 'wasm');
const originalFused: tf.KernelConfig | undefined = tf.getKernel(FUSED_CONV2D, 'wasm');

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

interface ConvAttrsLike {
  strides?: number | number[];
  pad?: 'valid' | 'same' | number | number[][];
  dataFormat?: string;
  dilations?: number | number[];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

function runOriginal(config: tf.KernelConfig | undefined, name: string, args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  if (config === undefined) throw new Error(`${name} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  return config.kernelFunc(args);
}

/** The SIMD convolution, or undefined when this call must go to the original kernel. */
function simdConv(args: KernelFuncArgs, name: string, fused: boolean): tf.TensorInfo | undefined {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as ConvAttrsLike;
  const x = inputs['x'];
  const filter = inputs['filter'];
  if (x === undefined || filter === undefined) throw new Error(`${name}: inputs 'x' and 'filter' are required`);
  const k = simdFor(backend);
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (k === undefined || (dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') || x.dtype !== 'float32' || filter.dtype !== 'float32')
    return undefined;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
  const activation = fused ? (attrs.activation ?? 'linear') : 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  const bias = fused ? inputs['bias'] : undefined;
  const outC = filter.shape[3]!;
  if (bias != null && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== outC)) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    pair(attrs.strides, 1, `${name}: strides`),
    pair(attrs.dilations, 1, `${name}: dilations`),
    (attrs.pad ?? 'valid') as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const g = geometryOf(info);
  const wasm = asWasmBackend(backend, name);
  const out = wasm.makeOutput(info.outShape, 'float32');
  if (tf.util.sizeFromShape(info.outShape) === 0) return out;
  try {
    simdConv2d(
      k,
      g,
      ptr(backend, x),
      ptr(backend, filter),
      bias != null ? ptr(backend, bias) : 0,
      ptr(backend, out),
      activation === 'relu',
    );
  } catch (err) {
    wasm.disposeData(out.dataId);
    throw err;
  }
  return out;
}

export function conv2dWasm(args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  return simdConv(args, CONV2D, false) ?? runOriginal(originalConv, CONV2D, args);
}

export function fusedConv2dWasm(args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  return simdConv(args, FUSED_CONV2D, true) ?? runOriginal(originalFused, FUSED_CONV2D, args);
}

export const conv2dConfig: tf.KernelConfig = {
  kernelName: CONV2D,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalConv?.setupFunc?.(backend);
  },
  kernelFunc: conv2dWasm as tf.KernelFunc,
};

export const fusedConv2dConfig: tf.KernelConfig = {
  kernelName: FUSED_CONV2D,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalFused?.setupFunc?.(backend);
  },
  kernelFunc: fusedConv2dWasm as tf.KernelFunc,
};
