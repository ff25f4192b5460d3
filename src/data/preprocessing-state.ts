/**
 * The preprocessing state's format: everything a run learns from its training split (the target's classes or
 * statistics; per input its shape, fitted vocabulary or statistics and normalisation), saved with the run as
 * `preprocessing.json` so that prediction applies exactly the training-time transform. Plain JSON, no runtime.
 */

/** Normalisation fitted on the training split, applied after encoding. */
export type Normalization =
  | { kind: 'standardize'; mean: number; std: number }
  /** per position of the last axis (mel band, MFCC coefficient) */
  | { kind: 'standardize_channels'; mean: number[]; std: number[] }
  | { kind: 'none' };

export interface InputState {
  name: string;
  modality: string;
  /** the (first) manifest column the input reads */
  column: string;
  /** every column the input reads, when it reads more than one (numeric) */
  columns?: string[];
  shape: number[];
  /** the input's resolved `preprocessing:` */
  preprocessing: unknown;
  normalization: Normalization;
  /** what the modality learned from the training split: vocabulary, column statistics, category list */
  fitted?: unknown;
}

/**
 * What the model predicts, as learned from the training split, with the task options that prediction and
 * evaluation need. `classes`: classification — the classes; binary — [negative, positive]; multilabel — every
 * label seen in training; regression — [].
 */
export interface TargetState {
  column: string;
  task: string;
  classes: string[];
  /** binary, multilabel: probability at or above which a label is predicted */
  threshold?: number;
  /** multilabel: what separates the labels in a cell */
  delimiter?: string;
  /** regression: the target standardisation (identity with normalize: none); predictions are mapped back */
  normalization?: { mean: number; std: number };
  /** regression */
  loss?: 'mse' | 'huber';
  huberDelta?: number;
  /** classification, binary: loss weight per class (training only) */
  classWeights?: number[];
  /** classification, binary: label smoothing (training only) */
  labelSmoothing?: number;
}

/** Everything learned from the training split; saved with the run so predictions use the same transform. */
export interface PreprocessingState {
  version: 1;
  target: TargetState;
  inputs: InputState[];
  /** how the training manifest was split (so `mmx evaluate --split test` can select the same rows) */
  split?: { column?: string; values?: { train: string; validation: string; test: string } };
}
