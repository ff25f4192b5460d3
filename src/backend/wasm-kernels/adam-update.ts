/**
 * `MmxAdamUpdate` (src/ops/adam-update.ts) on the wasm backend: one pass of mmx's SIMD kernel (c/optim.c) over
 * a variable, its gradient and its two moments, writing three new tensors; the same loop in TypeScript on the
 * heap where the SIMD module cannot load. Both are bit-identical to tfjs's Adam.
 */
import * as tf from '../../tf.js';
import { ADAM_UPDATE, adamInputs, adamUpdateArrays, readAdamAttrs } from '../../ops/adam-update.js';
import { ptr } from '../simd/call.js';
import { simdFor } from '../simd/module.js';
import { asWasmBackend, f32 } from './heap.js';

function adamUpdateWasm({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const wasm = asWasmBackend(backend, ADAM_UPDATE);
  const a = readAdamAttrs(attrs);
  const [p, g, m, v] = adamInputs(inputs);
  const shape = [...p.shape];
  const outs = [wasm.makeOutput(shape, 'float32'), wasm.makeOutput(shape, 'float32'), wasm.makeOutput(shape, 'float32')] as const;
  const [po, mo, vo] = outs;
  const k = simdFor(backend);
  if (k !== undefined) {
    const at = (t: tf.TensorInfo) => ptr(backend, t);
    k.fn.adam_update(
      tf.util.sizeFromShape(shape),
      at(p),
      at(g),
      at(m),
      at(v),
      at(po),
      at(mo),
      at(vo),
      a.beta1,
      a.oneMinusBeta1,
      a.beta2,
      a.oneMinusBeta2,
      a.oneMinusAccBeta1,
      a.oneMinusAccBeta2,
      a.epsilon,
      a.negLearningRate,
    );
  } else {
    // views after every allocation above (an allocation may grow the memory and detach older views)
    const view = (t: tf.TensorInfo) => f32(wasm, t);
    adamUpdateArrays(a, view(p), view(g), view(m), view(v), view(po), view(mo), view(vo));
  }
  return [...outs];
}

export const adamUpdateWasmConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: adamUpdateWasm,
};
