/**
 * Adagrad as PyTorch's torch.optim.Adagrad computes it (lr_decay 0, initial accumulator 0), a fused update
 * (./fused-update.ts), state: the sum of squared gradients s.
 *
 *   g̃ = g + p·l2;  s' = s + g̃²;  p' = (g̃ / (√s' + ε)) · (−lr) + p
 *
 * `l2`: the weight decay λ (L2), 0 for a variable left out of weight decay.
 */
import * as tf from '../tf.js';
import { defineFusedUpdate } from './fused-update.js';
import { l2Element, l2Gradient } from './weight-decay.js';

export type AdagradUpdateAttrs = { epsilon: number; negLearningRate: number; l2: number };

export const adagradUpdate = defineFusedUpdate<AdagradUpdateAttrs>({
  kernel: 'MmxAdagradUpdate',
  slots: ['sum'],
  attrs: ['epsilon', 'negLearningRate', 'l2'],
  arrays(a, [p, g, s], [po, so]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      const gi = l2Element(pi, g![i]!, a.l2);
      const ns = f(s![i]! + f(gi * gi));
      po![i] = f(f(gi / f(f(Math.sqrt(ns)) + a.epsilon)) * a.negLearningRate) + pi;
      so![i] = ns;
    }
  },
  ops(a, value, gradient, [s]) {
    return tf.tidy(() => {
      const g = l2Gradient(value, gradient, a.l2);
      const ns = tf.add(s!, tf.square(g));
      return [tf.add(tf.mul(tf.div(g, tf.add(tf.sqrt(ns), a.epsilon)), a.negLearningRate), value), ns];
    });
  },
});
