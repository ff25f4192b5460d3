/** `metrics.json`: the test metrics, per class (or label), thresholds, ablation, how training ended and every epoch. */
import type { EvaluationResult, TrainingOutcome } from '../../core/run-events.js';
import type { EpochRecord } from '../../train/trainer-state.js';
import { outcomeJson } from './outcome.js';

export function metricsJson(
  task: string,
  test: EvaluationResult,
  outcome: TrainingOutcome,
  history: readonly EpochRecord[],
): Record<string, unknown> {
  return {
    task,
    test: test.metrics,
    ...(test.perClass.length ? { [task === 'multilabel' ? 'per_label' : 'per_class']: test.perClass } : {}),
    ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
    ...(test.thresholds ? { thresholds: test.thresholds } : {}),
    ...(test.ablation ? { ablation: test.ablation } : {}),
    ...outcomeJson(outcome),
    history,
  };
}
