/**
 * The optimiser a config's `training.optimizer` names, as one of mmx's SlotOptimizers (fused update kernels where
 * the backend has them, plain tfjs ops elsewhere; settable learning rate for schedules; a gradient transform for
 * clipping). `decays` (./decay-groups.ts) says which variables weight decay applies to.
 */
import { MmxAdagrad } from './adagrad.js';
import { MmxAdam } from './adam.js';
import { MmxAdamW } from './adamw.js';
import { MmxRmsprop } from './rmsprop.js';
import { withOptimizerDefaults, type OptimizerConfig, type OptimizerInput } from './schema.js';
import { MmxSgd } from './sgd.js';
import type { GradientTransform, SlotOptimizer } from './slot-optimizer.js';
import type { UpdateAttrs } from '../../ops/fused-update.js';

export interface CreateOptimizerOptions {
  /** whether weight decay applies to the variable of this name (default: every variable) */
  decays?: (variable: string) => boolean;
  /** applied to every step's gradients before the update (clipping) */
  gradientTransform?: GradientTransform;
}

/** `input`: a validated config, or only type and learning rate (the schema's defaults fill in the rest). */
export function createOptimizer(input: OptimizerInput, options: CreateOptimizerOptions = {}): SlotOptimizer<UpdateAttrs> {
  const o = withOptimizerDefaults(input);
  const common = {
    learningRate: o.learning_rate,
    weightDecay: o.weight_decay,
    ...(options.decays ? { decays: options.decays } : {}),
    ...(options.gradientTransform ? { gradientTransform: options.gradientTransform } : {}),
  };
  switch (o.type) {
    case 'adam':
      // without weight decay: plain Adam (tfjs-core's arithmetic, bit for bit)
      return o.weight_decay === 0
        ? new MmxAdam({ ...common, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon })
        : new MmxAdamW({ ...common, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decoupled: false });
    case 'adamw':
      return new MmxAdamW({ ...common, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decoupled: true });
    case 'sgd':
      return new MmxSgd({ ...common, momentum: o.momentum, nesterov: o.nesterov });
    case 'rmsprop':
      return new MmxRmsprop({ ...common, rho: o.rho, epsilon: o.epsilon, momentum: o.momentum });
    case 'adagrad':
      return new MmxAdagrad({ ...common, epsilon: o.epsilon });
  }
}
