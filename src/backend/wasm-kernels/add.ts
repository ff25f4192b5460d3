/**
 * `Add` for the tfjs wasm backend — a *replacement* for one case, the bias add: x [..., C] + b with b's values along
 * the last axis only (shape [C] or [1, …, 1, C]), float32. tfjs-backend-wasm's broadcasting add takes ~6× as long
 * as one pass (1 ms for a [64, 28, 28, 16] conv output); mmx's SIMD kernel (c/elementwise.c) makes that one pass.
 * Every other Add goes to the original kernel.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernel must be registered before it is captured below.
import '../../tf-wasm.js';
import { ptr } from '../simd/call.js';
import { simdFor } from '../simd/module.js';
import { asWasmBackend } from './heap.js';

export const ADD = 'Add';

const originalConfig: tf.KernelConfig | undefined = tf.getKernel(ADD, 'wasm');

/** True when `b` holds one value per entry of `a`'s last axis and nothing else. */
function isRowBias(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  const n = a.shape[a.shape.length - 1];
  return (
    n !== undefined &&
    a.shape.length >= 2 &&
    b.shape.length >= 1 &&
    b.shape.length <= a.shape.length &&
    b.shape[b.shape.length - 1] === n &&
    b.shape.slice(0, -1).every((d) => d === 1)
  );
}

export function addWasm(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, backend } = args;
  const a = inputs['a'];
  const b = inputs['b'];
  const k =
    a !== undefined && b !== undefined && a.dtype === 'float32' && b.dtype === 'float32' && isRowBias(a, b) ? simdFor(backend) : undefined;
  if (k === undefined || a === undefined || b === undefined) {
    if (originalConfig === undefined) throw new Error(`${ADD} on wasm (mmx kernel): no original kernel`);
    return originalConfig.kernelFunc(args);
  }
  const wasm = asWasmBackend(backend, ADD);
  const out = wasm.makeOutput([...a.shape], 'float32');
  const n = a.shape[a.shape.length - 1]!;
  k.fn.add_rows(tf.util.sizeFromShape(a.shape) / n, n, ptr(backend, a), ptr(backend, b), ptr(backend, out));
  return out;
}

export const addConfig: tf.KernelConfig = {
  kernelName: ADD,
  backendName: 'wasm',
  setupFunc: (backend) => {
    originalConfig?.setupFunc?.(backend);
  },
  kernelFunc: addWasm,
};
