/** `MmxDropout` (src/ops/dropout.ts) on the wasm backend: one pass of mmx's SIMD kernel (c/dropout.c), or the TypeScript loop. */
import * as tf from '../../tf.js';
import { DROPOUT, dropoutArrays, dropoutInput, dropoutParams, readDropoutAttrs } from '../../ops/dropout.js';
import { ptr } from '../simd/call.js';
import { simdFor } from '../simd/module.js';
import { asWasmBackend, f32 } from './heap.js';

function dropoutWasm({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const wasm = asWasmBackend(backend, DROPOUT);
  const x = dropoutInput(inputs);
  const p = dropoutParams(readDropoutAttrs(attrs));
  const out = wasm.makeOutput([...x.shape], 'float32');
  const k = simdFor(backend);
  if (k !== undefined) k.fn.dropout(tf.util.sizeFromShape(x.shape), ptr(backend, x), ptr(backend, out), p.key, p.threshold, p.scale);
  else dropoutArrays(f32(wasm, x), f32(wasm, out), p);
  return out;
}

export const dropoutWasmConfig: tf.KernelConfig = { kernelName: DROPOUT, backendName: 'wasm', kernelFunc: dropoutWasm };
