/** What a finished run returns (`runExperiment`): a leaf type module, part of the public API. */
import type { EvaluationResult, RunSummary, TrainingOutcome } from '../core/run-events.js';

export interface RunResult {
  runId: string;
  experimentId: string;
  status: 'FINISHED';
  trackingUri: string;
  artifactDir: string | undefined;
  test: EvaluationResult;
  /** the best epoch and the one whose weights were evaluated */
  training: TrainingOutcome;
  summary: RunSummary;
  seconds: number;
}
