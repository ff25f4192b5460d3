/**
 * The optimiser a run compiles its model with, from `training:`: the optimiser (src/model/optimizers), weight decay
 * on the groups not excluded (decay-groups.ts), clipping as its gradient transform (./clipping.ts), and, with
 * accumulate_batches > 1, wrapped in a GradientAccumulator (./accumulate.ts).
 */
import * as tf from '../../tf.js';
import { createOptimizer } from '../../model/optimizers/create.js';
import { decayPlan } from '../../model/optimizers/decay-groups.js';
import type { OptimizerConfig } from '../../model/optimizers/schema.js';
import { GradientAccumulator } from './accumulate.js';
import { clippingTransform } from './clipping.js';
import type { GradientClippingConfig } from './schema.js';

export interface OptimizationConfig {
  optimizer: OptimizerConfig;
  gradient_clipping?: GradientClippingConfig;
  accumulate_batches: number;
}

export interface TrainingOptimizer {
  optimizer: tf.Optimizer;
  /** one line on what weight decay applies to (absent without weight decay) */
  decaySummary?: string;
}

export function trainingOptimizer(training: OptimizationConfig, model: tf.LayersModel): TrainingOptimizer {
  const o = training.optimizer;
  const plan = o.weight_decay > 0 ? decayPlan(model, o.weight_decay_exclude) : undefined;
  const gradientTransform = clippingTransform(training.gradient_clipping);
  const base = createOptimizer(o, { ...(plan ? { decays: plan.decays } : {}), ...(gradientTransform ? { gradientTransform } : {}) });
  const optimizer = training.accumulate_batches > 1 ? new GradientAccumulator(base) : base;
  return {
    optimizer,
    ...(plan ? { decaySummary: `weight decay ${o.weight_decay} (${o.type === 'adamw' ? 'decoupled' : 'L2'}): ${plan.summary}` } : {}),
  };
}
