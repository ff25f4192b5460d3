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

/** a binary classifier's ROC (x FPR, y TPR) and precision–recall (x recall, y precision) curves */
export interface ReportCurves {
  roc: readonly { x: number; y: number }[];
  pr: readonly { x: number; y: number }[];
  rocAuc: number;
  averagePrecision: number;
  /** share of positives */
  prevalence: number;
}

/** precision, recall and F1 of the positive class at one decision threshold */
export interface ReportThresholdRow {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** a split's evaluation: metrics, per-class scores and `confusion[true][predicted]` */
export interface ReportEvaluation {
  split: string;
  metrics: Readonly<Record<string, number>>;
  perClass: readonly ReportClassScores[];
  labels: readonly string[];
  confusion: readonly (readonly number[])[];
  /** binary: the decision threshold, the metrics over a grid of thresholds, and the ROC / PR curves */
  threshold?: number;
  thresholds?: readonly ReportThresholdRow[];
  curves?: ReportCurves;
}

/** Which epoch was best in the monitored metric, and whose weights the final model holds (and was evaluated with). */
export interface ReportOutcome {
  monitor: string;
  bestEpoch?: number;
  best?: number;
  evaluatedEpoch: number;
  stoppedEarly: boolean;
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
  /** how training ended (the trainer's TrainingOutcome fits): marked in the learning curves and the history table */
  outcome?: ReportOutcome;
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
