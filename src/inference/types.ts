/** The types of predicting from raw rows (a leaf module, part of the public API: src/public/index.ts). */
import type { RawColumn } from '../data/raw-column.js';

/**
 * A raw value: text, a number, a boolean (categories), null (missing), or an image / audio file inline as
 * `{base64: "..."}` (a `data:` URI string works too; any other string names a file).
 */
export type RawValue = string | number | boolean | null | { base64: string };
/** One row of raw inputs, keyed by the manifest columns the model reads (the target column may be present: it is ignored). */
export type RawRow = Record<string, RawValue | undefined>;

export interface Prediction {
  /** the class, the labels (multilabel) or the value (regression) */
  prediction: string | string[] | number;
  /** per class or label (absent for regression) */
  probabilities?: Record<string, number>;
}

export interface LoadPredictorOptions {
  /** the folder a relative model folder and tracking store resolve against */
  cwd: string;
  /** where to look a run id up (default: $MLFLOW_TRACKING_URI, else ./runs under `cwd`) */
  trackingUri?: string;
  /** compute backend (default auto) */
  backend?: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  /** files the rows may name by path: only under this folder, resolved against `cwd` (default: none; images and audio come inline) */
  files?: string;
}

/** A loaded model that predicts from raw rows (`loadPredictor`). */
export interface PredictorApi {
  /** the raw input columns, in the model's input order */
  readonly columns: readonly RawColumn[];
  /** classification | binary | multilabel | regression */
  readonly task: string;
  /** the classes (classification, binary), labels (multilabel), or [] (regression) */
  readonly classes: readonly string[];
  /** where the model came from: a folder, or a run on a tracking server */
  readonly from: string;
  readonly runId: string | undefined;
  /** @throws RowError naming the row (0-based) and column of a bad value */
  predict(rows: readonly RawRow[]): Promise<Prediction[]>;
  /** frees the model's weights */
  dispose(): void;
}
