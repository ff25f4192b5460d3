/** The public API's types, from leaf modules whose declarations TypeScript can write (see ./index.ts). */
import type { ExperimentConfig } from '../experiment/generated/experiment-config.js';

export type { ExperimentConfig } from '../experiment/generated/experiment-config.js';
/** One entry under `inputs:` */
export type InputConfig = ExperimentConfig['inputs'][string];
export type SplitConfig = ExperimentConfig['data']['split'];
export type FusionConfig = ExperimentConfig['fusion'];
export type TaskName = ExperimentConfig['target']['task'];
export type MetricName = ExperimentConfig['evaluation']['metrics'][number];
export type { ConfigIssue, SourceLocation } from '../config/issues.js';
export type { RawColumn } from '../data/raw-column.js';
export type { LoadPredictorOptions, Prediction, PredictorApi as Predictor, RawRow, RawValue } from '../inference/types.js';
export type { RunResult } from '../runner/run-result.js';
export type { EvaluationResult, ModalitySummary, RunEvent, RunSummary, TrainingOutcome } from '../core/run-events.js';
export type {
  LoadConfigOptions,
  LoadedExperimentConfig,
  PredictOptions,
  RunExperimentOptions,
  ValidateConfigOptions,
  ValidationResult,
} from '../api/types.js';
