/**
 * The L2 term of the fused optimiser updates: g̃ = g + λ·p (PyTorch's `weight_decay` for SGD, Adam, RMSprop,
 * Adagrad). λ = 0 (no weight decay, or a variable left out of it) leaves the gradient as it is — not g + 0·p,
 * which differs in the sign of a zero and costs two passes. Every update's `arrays`, ops and SIMD function apply
 * the same rule.
 */
import * as tf from '../tf.js';

/** g̃ = g + p·l2 in tfjs ops (g itself when l2 is 0). */
export function l2Gradient(value: tf.Tensor, gradient: tf.Tensor, l2: number): tf.Tensor {
  return l2 === 0 ? gradient : tf.add(gradient, tf.mul(value, l2));
}

/** g̃ = g + p·l2 for one element, rounded to float32 as the ops round it. */
export function l2Element(p: number, g: number, l2: number): number {
  return l2 === 0 ? g : Math.fround(g + Math.fround(p * l2));
}
