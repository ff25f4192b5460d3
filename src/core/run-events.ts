/**
 * Events a run emits while it works. The UI (Ink or plain lines), the JSON summary and the
 * tracker all consume this one stream, so nothing about progress is computed twice.
 */

export interface ModalitySummary {
  /** the key under `inputs:` */
  name: string;
  /** image | audio | ... */
  modality: string;
  /** encoder type, e.g. "cnn" */
  encoder: string;
  /** per-example feature shape fed to the encoder, e.g. [28, 28, 1] */
  featureShape: number[];
  /** size of the encoder's output embedding */
  embeddingDim: number;
  /** steps the encoder hands the fusion (output: sequence); absent or 1: one embedding */
  sequenceLength?: number;
}

export interface RunSummary {
  name: string;
  experiment: string;
  configPath: string;
  task: string;
  classes: string[];
  modalities: ModalitySummary[];
  fusion: string;
  backend: string;
  /** number of examples per split */
  data: { train: number; validation: number; test: number };
  parameters: number;
  epochs: number;
  batchSize: number;
  trackingUri: string;
  runId: string;
}

export type Metrics = Record<string, number>;

export interface PerClass {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * Test metrics with one modality masked: its tokens masked (fusions over tokens) or its embedding zeroed (the other
 * fusions). Either way the prediction no longer depends on the modality, so the drops compare across fusion types.
 */
export interface AblationRow {
  /** the input's name */
  modality: string;
  /** how it was masked: 'tokens' or 'zero' */
  masking: string;
  /** test metrics without this modality */
  metrics: Metrics;
  /** full-model metric minus metric without this modality (positive: the modality helps) */
  drop: Metrics;
}

/** Binary task: precision, recall and F1 of the positive class at one decision threshold. */
export interface ThresholdRow {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

/** A point of a curve; `threshold`: the decision threshold it belongs to (absent at the curve's anchor). */
export interface CurvePoint {
  x: number;
  y: number;
  threshold?: number;
}

/** Binary task: ROC (x false-positive rate, y true-positive rate) and precision–recall (x recall, y precision). */
export interface BinaryCurves {
  roc: CurvePoint[];
  pr: CurvePoint[];
  rocAuc: number;
  /** average precision (the PR curve's step-wise area) */
  averagePrecision: number;
  /** share of positives: a random classifier's precision */
  prevalence: number;
}

export interface EvaluationResult {
  split: string;
  /** number of examples evaluated (per-class supports do not add up to it for multilabel) */
  examples?: number;
  /** binary, multilabel: the decision threshold the metrics use */
  threshold?: number;
  /** binary: metrics of the positive class over a grid of thresholds */
  thresholds?: ThresholdRow[];
  /** binary: ROC and precision–recall curves */
  curves?: BinaryCurves;
  /** with `evaluation.ablation: true`: one row per modality */
  ablation?: AblationRow[];
  metrics: Metrics;
  /** per class (classification, binary) or per label (multilabel); empty for regression */
  perClass: PerClass[];
  /** the confusion matrix's classes (classification, binary); empty for multilabel and regression */
  labels: string[];
  /** confusion[true][predicted]; empty above DENSE_CONFUSION_MAX_CLASSES classes (then see confusionCells) */
  confusion: number[][];
  /** the non-zero cells [true, predicted, count] when there are too many classes for a dense matrix */
  confusionCells?: [number, number, number][];
}

/**
 * How training ended, as the trainer decided it: the one definition of "best epoch" that the UI, metrics.json, the
 * `best_epoch` metric, the `mmx.best_epoch` tag, the plots and the report all show.
 */
export interface TrainingOutcome {
  /** the metric that decides the best epoch: `training.early_stopping.monitor`, else val_loss */
  monitor: string;
  mode: 'min' | 'max';
  /** the epoch with the best monitored value (absent when the monitored value was never finite) */
  bestEpoch?: number;
  /** the monitored value at bestEpoch */
  best?: number;
  /** the epoch whose weights the model holds at the end: the ones evaluated on the test split and saved */
  evaluatedEpoch: number;
  /** whether the best epoch's weights were put back (early_stopping.restore_best) */
  restoredBest: boolean;
  /** epochs trained */
  epochs: number;
  stoppedEarly: boolean;
}

export type RunEvent =
  | { type: 'phase'; phase: 'loading' | 'preprocessing' | 'building' | 'training' | 'evaluating' | 'logging'; detail?: string }
  | { type: 'data_progress'; done: number; total: number; detail: string }
  | { type: 'start'; summary: RunSummary }
  | { type: 'epoch_start'; epoch: number; epochs: number; batches: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSec: number }
  | {
      type: 'epoch_end';
      epoch: number;
      epochs: number;
      /** train_loss, train_accuracy, val_loss, val_accuracy, ... */
      metrics: Metrics;
      samplesPerSec: number;
      seconds: number;
      /** this epoch improved on every earlier one in the monitored metric (a new best so far) */
      best: boolean;
    }
  | { type: 'early_stop'; epoch: number; bestEpoch: number; monitor: string; best: number }
  | ({ type: 'training_end' } & TrainingOutcome)
  | { type: 'evaluation'; result: EvaluationResult }
  | {
      type: 'end';
      status: 'FINISHED' | 'FAILED' | 'KILLED';
      runId: string;
      experimentId: string;
      artifactDir: string;
      trackingUri: string;
      seconds: number;
      error?: string;
    }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type RunEventListener = (event: RunEvent) => void;
