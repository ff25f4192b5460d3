/**
 * SGD as PyTorch's torch.optim.SGD computes it (dampening 0), as two fused updates (./fused-update.ts):
 *
 *   `MmxSgdUpdate` (no momentum; no state):
 *     p' = (g + p·l2) · (−lr) + p
 *   `MmxSgdMomentumUpdate` (state: the momentum buffer b, zero at first, so the first step's b' is g̃ as PyTorch's):
 *     g̃ = g + p·l2;  b' = b·μ + g̃;  d = nesterov ? g̃ + b'·μ : b';  p' = d · (−lr) + p
 *
 * `l2` is the weight decay λ (L2: added to the gradient), 0 for a variable left out of weight decay. With l2 = 0
 * the momentum update is tfjs's MomentumOptimizer's arithmetic in its order (nesterov included), bit for bit.
 */
import * as tf from '../tf.js';
import { defineFusedUpdate } from './fused-update.js';
import { l2Element, l2Gradient } from './weight-decay.js';

export type SgdUpdateAttrs = { negLearningRate: number; l2: number };
export type SgdMomentumUpdateAttrs = SgdUpdateAttrs & { momentum: number; /** 1: Nesterov momentum, 0: classical */ nesterov: number };

export const sgdUpdate = defineFusedUpdate<SgdUpdateAttrs>({
  kernel: 'MmxSgdUpdate',
  slots: [],
  attrs: ['negLearningRate', 'l2'],
  arrays(a, [p, g], [po]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      po![i] = f(l2Element(pi, g![i]!, a.l2) * a.negLearningRate) + pi;
    }
  },
  ops(a, value, gradient) {
    return tf.tidy(() => [tf.add(tf.mul(l2Gradient(value, gradient, a.l2), a.negLearningRate), value)]);
  },
});

export const sgdMomentumUpdate = defineFusedUpdate<SgdMomentumUpdateAttrs>({
  kernel: 'MmxSgdMomentumUpdate',
  slots: ['momentum_buffer'],
  attrs: ['negLearningRate', 'l2', 'momentum', 'nesterov'],
  arrays(a, [p, g, b], [po, bo]) {
    const f = Math.fround;
    const nesterov = a.nesterov !== 0;
    for (let i = 0; i < p!.length; i++) {
      const pi = p![i]!;
      const gi = l2Element(pi, g![i]!, a.l2);
      const nb = f(f(b![i]! * a.momentum) + gi);
      const d = nesterov ? f(gi + f(nb * a.momentum)) : nb;
      po![i] = f(d * a.negLearningRate) + pi;
      bo![i] = nb;
    }
  },
  ops(a, value, gradient, [b]) {
    return tf.tidy(() => {
      const g = l2Gradient(value, gradient, a.l2);
      const nb = tf.add(tf.mul(b!, a.momentum), g);
      const d = a.nesterov !== 0 ? tf.add(g, tf.mul(nb, a.momentum)) : nb;
      return [tf.add(tf.mul(d, a.negLearningRate), value), nb];
    });
  },
});
