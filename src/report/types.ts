/**
 * What a run report is made from: plain data, independent of the runner. The runner's own types
 * (`EvaluationResult`, `RunSummary`, the trainer's epoch records) fit these shapes as they are.
 */

/** one epoch's metrics, keyed `train_<name>` / `val_<name>` (other keys are ignored by the plots) */
export interface ReportEpoch {
  epoch: number;
  metrics: Readonly<Record<string, number>>;
}

export interface ReportClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** a split's evaluation: metrics, per-class scores and `confusion[true][predicted]` */
export interface ReportEvaluation {
  split: string;
  metrics: Readonly<Record<string, number>>;
  perClass: readonly ReportClassScores[];
  labels: readonly string[];
  confusion: readonly (readonly number[])[];
}

export interface ReportModality {
  name: string;
  modality: string;
  encoder: string;
  featureShape?: readonly number[];
  embeddingDim?: number;
}

export interface ReportSummary {
  experiment?: string;
  configPath?: string;
  task?: string;
  classes?: readonly string[];
  modalities?: readonly ReportModality[];
  fusion?: string;
  backend?: string;
  /** examples per split */
  data?: Readonly<Record<string, number>>;
  parameters?: number;
  epochs?: number;
  batchSize?: number;
  trackingUri?: string;
}

export interface RunReportInput {
  run: {
    name: string;
    id: string;
    experiment?: string;
    status?: string;
    /** start of the run (ms since epoch, ISO string or Date) */
    startTime?: number | string | Date;
    durationSeconds?: number;
    error?: string;
  };
  history: readonly ReportEpoch[];
  /** the epoch whose weights the final model holds; marked in the learning curves */
  bestEpoch?: number;
  stoppedEarly?: boolean;
  /** test (or other held-out) evaluation */
  test?: ReportEvaluation;
  /** the resolved config as YAML, shown verbatim */
  configYaml?: string;
  summary?: ReportSummary;
  /** extra key → value rows for the summary table (tags, versions, ...) */
  extra?: Readonly<Record<string, string>>;
  /** colour the confusion matrix by the share of each true class (default) or by raw counts */
  confusionColor?: 'row' | 'count';
  /** when the report was made (default: now); shown in the footer */
  generatedAt?: Date;
}
