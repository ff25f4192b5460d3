/**
 * The fused Adam update, `MmxAdamUpdate` (a fused update, ./fused-update.ts): one kernel per variable instead of
 * tfjs's dozen element-wise kernels.
 *
 *   inputs  { value, gradient, m, v }   (float32, one shape)
 *   attrs   the step's scalars, each as tfjs's Adam rounds it to float32 (AdamUpdateAttrs)
 *   outputs [value', m', v']
 *
 * Kernels: wasm (mmx's SIMD module, c/optim.c; `arrays` where it cannot load) and cpu (`arrays`). Any other
 * backend runs `ops`. All of them compute exactly what tfjs-core's AdamOptimizer computes, float32 rounding for
 * float32 rounding.
 */
import * as tf from '../tf.js';
import { defineFusedUpdate } from './fused-update.js';

export const ADAM_UPDATE = 'MmxAdamUpdate';

/** A type, not an interface: it passes as tfjs's NamedAttrMap. */
export type AdamUpdateAttrs = {
  beta1: number;
  /** 1 − β1 */
  oneMinusBeta1: number;
  beta2: number;
  /** 1 − β2 */
  oneMinusBeta2: number;
  /** 1 − β1ᵗ (the bias correction of this step) */
  oneMinusAccBeta1: number;
  /** 1 − β2ᵗ */
  oneMinusAccBeta2: number;
  epsilon: number;
  /** −learning rate */
  negLearningRate: number;
};

/** The attributes of one step, rounded to float32 as tfjs's scalars and tensor arithmetic round them. */
export function adamUpdateAttrs(o: {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accBeta1: number;
  accBeta2: number;
}): AdamUpdateAttrs {
  const f = Math.fround;
  return {
    beta1: f(o.beta1),
    oneMinusBeta1: f(1 - o.beta1),
    beta2: f(o.beta2),
    oneMinusBeta2: f(1 - o.beta2),
    oneMinusAccBeta1: f(1 - f(o.accBeta1)),
    oneMinusAccBeta2: f(1 - f(o.accBeta2)),
    epsilon: f(o.epsilon),
    negLearningRate: f(-o.learningRate),
  };
}

export const adamUpdate = defineFusedUpdate<AdamUpdateAttrs>({
  kernel: ADAM_UPDATE,
  slots: ['m', 'v'],
  attrs: ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'oneMinusAccBeta1', 'oneMinusAccBeta2', 'epsilon', 'negLearningRate'],
  /** float32 rounding after every operation, in tfjs's order */
  arrays(a, [p, g, m, v], [po, mo, vo]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const gi = g![i]!;
      const nm = f(f(m![i]! * a.beta1) + f(gi * a.oneMinusBeta1));
      const nv = f(f(v![i]! * a.beta2) + f(f(gi * gi) * a.oneMinusBeta2));
      const step = f(f(f(nm / a.oneMinusAccBeta1) / f(f(Math.sqrt(f(nv / a.oneMinusAccBeta2))) + a.epsilon)) * a.negLearningRate);
      po![i] = step + p![i]!;
      mo![i] = nm;
      vo![i] = nv;
    }
  },
  /** tfjs-core's AdamOptimizer, step for step */
  ops(a, value, gradient, [m, v]) {
    return tf.tidy(() => {
      const nm = tf.add(tf.mul(m!, a.beta1), tf.mul(gradient, a.oneMinusBeta1));
      const nv = tf.add(tf.mul(v!, a.beta2), tf.mul(tf.square(gradient), a.oneMinusBeta2));
      const bm = tf.div(nm, a.oneMinusAccBeta1);
      const bv = tf.div(nv, a.oneMinusAccBeta2);
      const next = tf.add(tf.mul(tf.div(bm, tf.add(tf.sqrt(bv), a.epsilon)), a.negLearningRate), value);
      return [next, nm, nv];
    });
  },
});
