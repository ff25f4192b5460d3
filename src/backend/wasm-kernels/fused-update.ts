/**
 * Fused optimiser updates (src/ops/fused-update.ts) on the wasm backend: one SIMD function of mmx's module
 * (c/optim.c) per update where one is bound below, else the update's `arrays` loop on the heap. Both write new
 * tensors and compute what the update's tfjs ops compute, bit for bit.
 */
import * as tf from '../../tf.js';
import { adagradUpdate } from '../../ops/adagrad-update.js';
import { adamUpdate } from '../../ops/adam-update.js';
import { adamwUpdate } from '../../ops/adamw-update.js';
import { rmspropMomentumUpdate, rmspropUpdate } from '../../ops/rmsprop-update.js';
import { sgdMomentumUpdate, sgdUpdate } from '../../ops/sgd-update.js';
import { readUpdateAttrs, updateInputs, type FusedUpdate, type UpdateAttrs } from '../../ops/fused-update.js';
import { FUSED_UPDATES } from '../../ops/fused-updates.js';
import { ptr } from '../simd/call.js';
import { simdFor, type SimdExports } from '../simd/module.js';
import { asWasmBackend, f32 } from './heap.js';

/** A call of an update's SIMD function: element count, input and output byte offsets, the checked attributes. */
type SimdCall = (fn: SimdExports, n: number, inputs: number[], outputs: number[], attrs: tf.NamedAttrMap | undefined) => void;

function bind<A extends UpdateAttrs>(
  def: FusedUpdate<A>,
  call: (fn: SimdExports, n: number, inputs: number[], outputs: number[], a: A) => void,
): [string, SimdCall] {
  return [def.kernel, (fn, n, inputs, outputs, attrs) => call(fn, n, inputs, outputs, readUpdateAttrs(def, attrs))];
}

/** The updates with a SIMD function (an update without one runs its `arrays` loop on the heap). */
const SIMD_CALLS = new Map<string, SimdCall>([
  bind(adamUpdate, (fn, n, [p, g, m, v], [po, mo, vo], a) =>
    fn.adam_update(
      n,
      p!,
      g!,
      m!,
      v!,
      po!,
      mo!,
      vo!,
      a.beta1,
      a.oneMinusBeta1,
      a.beta2,
      a.oneMinusBeta2,
      a.oneMinusAccBeta1,
      a.oneMinusAccBeta2,
      a.epsilon,
      a.negLearningRate,
    ),
  ),
  bind(adamwUpdate, (fn, n, [p, g, m, v], [po, mo, vo], a) =>
    fn.adamw_update(
      n,
      p!,
      g!,
      m!,
      v!,
      po!,
      mo!,
      vo!,
      a.beta1,
      a.oneMinusBeta1,
      a.beta2,
      a.oneMinusBeta2,
      a.oneMinusAccBeta1,
      a.oneMinusAccBeta2,
      a.epsilon,
      a.negLearningRate,
      a.decay,
      a.l2,
    ),
  ),
  bind(sgdUpdate, (fn, n, [p, g], [po], a) => fn.sgd_update(n, p!, g!, po!, a.negLearningRate, a.l2)),
  bind(sgdMomentumUpdate, (fn, n, [p, g, b], [po, bo], a) =>
    fn.sgd_momentum_update(n, p!, g!, b!, po!, bo!, a.negLearningRate, a.l2, a.momentum, a.nesterov),
  ),
  bind(rmspropUpdate, (fn, n, [p, g, s], [po, so], a) =>
    fn.rmsprop_update(n, p!, g!, s!, po!, so!, a.rho, a.oneMinusRho, a.epsilon, a.negLearningRate, a.l2),
  ),
  bind(rmspropMomentumUpdate, (fn, n, [p, g, s, b], [po, so, bo], a) =>
    fn.rmsprop_momentum_update(n, p!, g!, s!, b!, po!, so!, bo!, a.rho, a.oneMinusRho, a.epsilon, a.negLearningRate, a.l2, a.momentum),
  ),
  bind(adagradUpdate, (fn, n, [p, g, s], [po, so], a) => fn.adagrad_update(n, p!, g!, s!, po!, so!, a.epsilon, a.negLearningRate, a.l2)),
]);

/** The update's wasm kernel. */
export function fusedUpdateWasmConfig(def: FusedUpdate<UpdateAttrs>): tf.KernelConfig {
  const simd = SIMD_CALLS.get(def.kernel);
  return {
    kernelName: def.kernel,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = asWasmBackend(backend, def.kernel);
      const ins = updateInputs(def, inputs);
      const shape = [...ins[0]!.shape];
      const outs = ins.filter((_, i) => i !== 1).map(() => wasm.makeOutput(shape, 'float32'));
      const k = simd ? simdFor(backend) : undefined;
      if (simd && k !== undefined) {
        const at = (t: tf.TensorInfo) => ptr(backend, t);
        simd(k.fn, tf.util.sizeFromShape(shape), ins.map(at), outs.map(at), attrs);
      } else {
        // views after every allocation above (an allocation may grow the memory and detach older views)
        const view = (t: tf.TensorInfo) => f32(wasm, t);
        def.arrays(readUpdateAttrs(def, attrs), ins.map(view), outs.map(view));
      }
      return outs;
    },
  };
}

/** The wasm kernels of every registered update. */
export const fusedUpdateWasmConfigs: readonly tf.KernelConfig[] = FUSED_UPDATES.map(fusedUpdateWasmConfig);
