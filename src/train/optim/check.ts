/**
 * Checks of `training:` that the schema cannot express: options that depend on each other (Nesterov needs
 * momentum, a floor below the base rate, a warm-up shorter than the training) and a monitored metric the run
 * produces. Each issue names its key path; the config layer adds the file position.
 */
import { suggestion } from '../../config/did-you-mean.js';
import type { OptimizerConfig } from '../../model/optimizers/schema.js';
import type { LrScheduleConfig } from '../schedule/schema.js';

export interface TrainingIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export interface CheckedTraining {
  epochs: number;
  optimizer: OptimizerConfig;
  lr_schedule: LrScheduleConfig;
}

/** `produced`: the metric keys of each epoch (reduce_on_plateau's monitor must be one). */
export function trainingIssues(t: CheckedTraining, produced: readonly string[]): TrainingIssue[] {
  const issues: TrainingIssue[] = [];
  const o = t.optimizer;
  if (o.type === 'sgd' && o.nesterov && o.momentum === 0)
    issues.push({ path: ['training', 'optimizer', 'nesterov'], message: 'nesterov needs momentum > 0', hint: 'set momentum, e.g. 0.9' });
  const s = t.lr_schedule;
  const at = (...p: string[]) => ['training', 'lr_schedule', ...p];
  if ((s.type === 'cosine' || s.type === 'linear' || s.type === 'reduce_on_plateau') && s.min_lr >= o.learning_rate)
    issues.push({
      path: at('min_lr'),
      message: `min_lr ${s.min_lr} is not below the learning rate it decays from (training.optimizer.learning_rate: ${o.learning_rate})`,
    });
  if (s.warmup?.epochs !== undefined && s.warmup.epochs >= t.epochs)
    issues.push({
      path: at('warmup', 'epochs'),
      message: `a warm-up of ${s.warmup.epochs} epochs is not shorter than the training (training.epochs: ${t.epochs})`,
    });
  if (s.type === 'one_cycle' && s.warmup)
    issues.push({ path: at('warmup'), message: 'one_cycle warms up by itself (pct_start)', hint: 'remove warmup, or change pct_start' });
  if (s.type === 'reduce_on_plateau' && !produced.includes(s.monitor))
    issues.push({
      path: at('monitor'),
      message: `'${s.monitor}' is not a metric this run produces`,
      hint: suggestion(s.monitor, produced),
    });
  return issues;
}
