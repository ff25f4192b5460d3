/**
 * RMSprop as PyTorch's torch.optim.RMSprop computes it (not centred), as two fused updates (./fused-update.ts):
 *
 *   g̃ = g + p·l2;  s' = s·ρ + g̃²·(1−ρ);  a = √s' + ε
 *   `MmxRmspropUpdate`          (state s):     p' = (g̃ / a) · (−lr) + p
 *   `MmxRmspropMomentumUpdate`  (state s, b):  b' = b·μ + g̃ / a;  p' = b' · (−lr) + p
 *
 * ε is added outside the square root (PyTorch; tfjs adds it inside). `l2`: the weight decay λ (L2), 0 for a
 * variable left out of weight decay.
 */
import * as tf from '../tf.js';
import { defineFusedUpdate } from './fused-update.js';
import { l2Element, l2Gradient } from './weight-decay.js';

export type RmspropUpdateAttrs = { rho: number; oneMinusRho: number; epsilon: number; negLearningRate: number; l2: number };
export type RmspropMomentumUpdateAttrs = RmspropUpdateAttrs & { momentum: number };

const ATTRS = ['rho', 'oneMinusRho', 'epsilon', 'negLearningRate', 'l2'] as const;

/** g̃ and s' on tensors */
function squareAverage(
  a: RmspropUpdateAttrs,
  value: tf.Tensor,
  gradient: tf.Tensor,
  s: tf.Tensor,
): { g: tf.Tensor; ns: tf.Tensor; scaled: tf.Tensor } {
  const g = l2Gradient(value, gradient, a.l2);
  const ns = tf.add(tf.mul(s, a.rho), tf.mul(tf.square(g), a.oneMinusRho));
  return { g, ns, scaled: tf.div(g, tf.add(tf.sqrt(ns), a.epsilon)) };
}

export const rmspropUpdate = defineFusedUpdate<RmspropUpdateAttrs>({
  kernel: 'MmxRmspropUpdate',
  slots: ['square_avg'],
  attrs: [...ATTRS],
  arrays(a, [p, g, s], [po, so]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      const gi = l2Element(pi, g![i]!, a.l2);
      const ns = f(f(s![i]! * a.rho) + f(f(gi * gi) * a.oneMinusRho));
      po![i] = f(f(gi / f(f(Math.sqrt(ns)) + a.epsilon)) * a.negLearningRate) + pi;
      so![i] = ns;
    }
  },
  ops(a, value, gradient, [s]) {
    return tf.tidy(() => {
      const { ns, scaled } = squareAverage(a, value, gradient, s!);
      return [tf.add(tf.mul(scaled, a.negLearningRate), value), ns];
    });
  },
});

export const rmspropMomentumUpdate = defineFusedUpdate<RmspropMomentumUpdateAttrs>({
  kernel: 'MmxRmspropMomentumUpdate',
  slots: ['square_avg', 'momentum_buffer'],
  attrs: [...ATTRS, 'momentum'],
  arrays(a, [p, g, s, b], [po, so, bo]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      const gi = l2Element(pi, g![i]!, a.l2);
      const ns = f(f(s![i]! * a.rho) + f(f(gi * gi) * a.oneMinusRho));
      const nb = f(f(b![i]! * a.momentum) + f(gi / f(f(Math.sqrt(ns)) + a.epsilon)));
      po![i] = f(nb * a.negLearningRate) + pi;
      so![i] = ns;
      bo![i] = nb;
    }
  },
  ops(a, value, gradient, [s, b]) {
    return tf.tidy(() => {
      const { ns, scaled } = squareAverage(a, value, gradient, s!);
      const nb = tf.add(tf.mul(b!, a.momentum), scaled);
      return [tf.add(tf.mul(nb, a.negLearningRate), value), ns, nb];
    });
  },
});
