/** The StepControl of a run from its config and compiled model (./step-control.ts). */
import * as tf from '../../tf.js';
import type { ExperimentConfig } from '../../experiment/schema.js';
import { StepControl } from './step-control.js';

export function stepControl(
  config: ExperimentConfig,
  model: tf.LayersModel,
  batchesPerEpoch: number,
  lowerIsBetter: (metric: string) => boolean,
): StepControl {
  const t = config.training;
  const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer;
  return new StepControl({
    ...(optimizer ? { optimizer } : {}),
    baseRate: t.optimizer.learning_rate,
    schedule: t.lr_schedule,
    accumulate: t.accumulate_batches,
    batchesPerEpoch,
    epochs: t.epochs,
    lowerIsBetter,
  });
}
