/**
 * Gradient clipping as a SlotOptimizer gradient transform (src/model/optimizers/slot-optimizer.ts): it sees the
 * gradient of the whole batch — after the data-parallel workers' gradients were averaged, after accumulation —
 * right before the update, as PyTorch users clip between backward() and step().
 *  - by value: every element into [−v, v] (torch.nn.utils.clip_grad_value_);
 *  - by global norm: ‖g‖ over all the step's gradients together; when above `max`, every gradient is multiplied by
 *    max / (‖g‖ + 1e-6) (torch.nn.utils.clip_grad_norm_, its 1e-6 included).
 * Both: value first, then the norm of the clipped gradients. Everything stays on the backend (no read-back).
 */
import * as tf from '../../tf.js';
import type { GradientTransform, NamedGradient } from '../../model/optimizers/slot-optimizer.js';
import type { GradientClippingConfig } from './schema.js';

export function clipByValue(max: number): GradientTransform {
  return (grads) => grads.map(({ name, gradient }) => ({ name, gradient: gradient && tf.clipByValue(gradient, -max, max) }));
}

/** The global L2 norm of the gradients (a scalar tensor). */
export function globalNorm(grads: readonly NamedGradient[]): tf.Tensor {
  const squares = grads.flatMap(({ gradient }) => (gradient ? [tf.sum(tf.square(gradient))] : []));
  return squares.length ? tf.sqrt(tf.addN(squares)) : tf.scalar(0);
}

export function clipByGlobalNorm(max: number): GradientTransform {
  return (grads) => {
    const norm = globalNorm(grads);
    // min(1, max / (norm + 1e-6)): 1 leaves the gradients as they are
    const coef = tf.minimum(tf.div(tf.scalar(max), tf.add(norm, 1e-6)), 1);
    return grads.map(({ name, gradient }) => ({ name, gradient: gradient && tf.mul(gradient, coef) }));
  };
}

/** The transform `training.gradient_clipping` asks for (undefined: none). */
export function clippingTransform(c: GradientClippingConfig | undefined): GradientTransform | undefined {
  if (!c) return undefined;
  const byValue = c.value !== undefined ? clipByValue(c.value) : undefined;
  const byNorm = c.global_norm !== undefined ? clipByGlobalNorm(c.global_norm) : undefined;
  if (byValue && byNorm) return (grads) => byNorm(byValue(grads));
  return byValue ?? byNorm;
}
