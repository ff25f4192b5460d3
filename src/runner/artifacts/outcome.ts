/** How training ended, as the run's tags and as metrics.json's fields. */
import type { TrainingOutcome } from '../../core/run-events.js';

/** The run's tags for how training ended: `mmx.best_epoch` (the monitored best), `mmx.evaluated_epoch` (whose weights were evaluated). */
export function outcomeTags(o: TrainingOutcome): Record<string, string> {
  return {
    ...(o.bestEpoch !== undefined ? { 'mmx.best_epoch': String(o.bestEpoch) } : {}),
    'mmx.evaluated_epoch': String(o.evaluatedEpoch),
    'mmx.monitor': o.monitor,
    'mmx.stopped_early': String(o.stoppedEarly),
  };
}

/** The same facts in metrics.json. */
export function outcomeJson(o: TrainingOutcome): Record<string, unknown> {
  return {
    best_epoch: o.bestEpoch ?? null,
    monitor: o.monitor,
    best_value: o.best ?? null,
    evaluated_epoch: o.evaluatedEpoch,
    restored_best: o.restoredBest,
    stopped_early: o.stoppedEarly,
  };
}
