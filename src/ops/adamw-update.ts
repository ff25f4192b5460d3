/**
 * Adam with weight decay, `MmxAdamWUpdate` (a fused update, ./fused-update.ts), in both of its forms:
 *  - decoupled (AdamW, Loshchilov & Hutter; PyTorch's AdamW): the variable shrinks by (1 − lr·λ) before the Adam
 *    step, and the moments never see λ: `decay` = 1 − lr·λ, `l2` = 0;
 *  - L2 (PyTorch's Adam with weight_decay): λ·p is added to the gradient, which the moments then see: `decay` = 1,
 *    `l2` = λ.
 * A variable left out of weight decay (a bias, a normalisation parameter) gets `decay` = 1 and `l2` = 0, which
 * leaves plain Adam (p·1 and g + p·0 are exact).
 *
 *   inputs  { value, gradient, m, v }   (float32, one shape)
 *   outputs [value', m', v']
 *
 *   g̃  = g + p·l2
 *   m' = m·β1 + g̃·(1−β1);   v' = v·β2 + g̃²·(1−β2)
 *   p' = (m' / (1−β1ᵗ)) / (√(v' / (1−β2ᵗ)) + ε) · (−lr) + p·decay
 *
 * The Adam part is tfjs-core's AdamOptimizer's arithmetic in its order (./adam-update.ts); `arrays` and the SIMD
 * function (c/optim.c) round after every operation as `ops` does, so the three agree bit for bit.
 */
import * as tf from '../tf.js';
import { adamUpdateAttrs, type AdamUpdateAttrs } from './adam-update.js';
import { defineFusedUpdate } from './fused-update.js';
import { l2Element, l2Gradient } from './weight-decay.js';

export const ADAMW_UPDATE = 'MmxAdamWUpdate';

export type AdamWUpdateAttrs = AdamUpdateAttrs & {
  /** what the variable is multiplied by before the step: 1 − lr·λ (decoupled), else 1 */
  decay: number;
  /** the L2 coefficient added to the gradient as l2·p: λ (coupled), else 0 */
  l2: number;
};

/** One step's attributes, rounded to float32; `weightDecay` λ applied decoupled (AdamW) or as L2. */
export function adamwUpdateAttrs(o: Parameters<typeof adamUpdateAttrs>[0] & { weightDecay: number; decoupled: boolean }): AdamWUpdateAttrs {
  const f = Math.fround;
  return {
    ...adamUpdateAttrs(o),
    decay: o.decoupled ? f(1 - o.learningRate * o.weightDecay) : 1,
    l2: o.decoupled ? 0 : f(o.weightDecay),
  };
}

export const adamwUpdate = defineFusedUpdate<AdamWUpdateAttrs>({
  kernel: ADAMW_UPDATE,
  slots: ['m', 'v'],
  attrs: [
    'beta1',
    'oneMinusBeta1',
    'beta2',
    'oneMinusBeta2',
    'oneMinusAccBeta1',
    'oneMinusAccBeta2',
    'epsilon',
    'negLearningRate',
    'decay',
    'l2',
  ],
  arrays(a, [p, g, m, v], [po, mo, vo]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      const gi = l2Element(pi, g![i]!, a.l2);
      const nm = f(f(m![i]! * a.beta1) + f(gi * a.oneMinusBeta1));
      const nv = f(f(v![i]! * a.beta2) + f(f(gi * gi) * a.oneMinusBeta2));
      const step = f(f(f(nm / a.oneMinusAccBeta1) / f(f(Math.sqrt(f(nv / a.oneMinusAccBeta2))) + a.epsilon)) * a.negLearningRate);
      po![i] = step + (a.decay === 1 ? pi : f(pi * a.decay));
      mo![i] = nm;
      vo![i] = nv;
    }
  },
  ops(a, value, gradient, [m, v]) {
    return tf.tidy(() => {
      const g = l2Gradient(value, gradient, a.l2);
      const nm = tf.add(tf.mul(m!, a.beta1), tf.mul(g, a.oneMinusBeta1));
      const nv = tf.add(tf.mul(v!, a.beta2), tf.mul(tf.square(g), a.oneMinusBeta2));
      const bm = tf.div(nm, a.oneMinusAccBeta1);
      const bv = tf.div(nv, a.oneMinusAccBeta2);
      const next = tf.add(
        tf.mul(tf.div(bm, tf.add(tf.sqrt(bv), a.epsilon)), a.negLearningRate),
        a.decay === 1 ? value : tf.mul(value, a.decay),
      );
      return [next, nm, nv];
    });
  },
});
