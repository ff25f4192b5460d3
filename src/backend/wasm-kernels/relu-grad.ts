/** `MmxReluGrad` (src/ops/relu-grad.ts) on the wasm backend: one pass of mmx's SIMD kernel, or the TypeScript loop. */
import * as tf from '../../tf.js';
import { RELU_GRAD, reluGradArrays, reluGradInputs } from '../../ops/relu-grad.js';
import { ptr } from '../simd/call.js';
import { simdFor } from '../simd/module.js';
import { asWasmBackend, f32 } from './heap.js';

function reluGradWasm({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = asWasmBackend(backend, RELU_GRAD);
  const [dy, x] = reluGradInputs(inputs);
  const out = wasm.makeOutput([...x.shape], 'float32');
  const k = simdFor(backend);
  if (k !== undefined) k.fn.relu_grad(tf.util.sizeFromShape(x.shape), ptr(backend, dy), ptr(backend, x), ptr(backend, out));
  else reluGradArrays(f32(wasm, dy), f32(wasm, x), f32(wasm, out));
  return out;
}

export const reluGradWasmConfig: tf.KernelConfig = { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGradWasm };
