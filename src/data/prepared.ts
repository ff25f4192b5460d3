/**
 * What preparing the data gives a run: the splits (in memory, or streamed from the feature cache), the
 * preprocessing state, the encoders' build-time meta, and the reports (skipped rows, missing values, cache).
 */
import type { InputMeta } from '../model/encoders/registry.js';
import type { StreamMode } from './cache/options.js';
import type { FeatureCache } from './cache/store.js';
import type { PreprocessingState } from './preprocessing-state.js';

/** A split's rows, labels and targets: what evaluation and the predictions CSV read (no features). */
export interface SplitLabels {
  /** manifest row index of each example */
  rows: number[];
  /**
   * classification, binary: class index of each example; multilabel, regression: 0. -1 where the manifest has
   * no label (prediction on unlabelled rows).
   */
  labels: Int32Array;
  /**
   * What the model is trained against beyond the class index: examples × 1 — 0/1 (binary), the standardised value
   * (regression) — or × labels, multi-hot (multilabel); NaN where there is no label. Empty for classification: its
   * one-hot rows are made per batch from `labels`.
   */
  targets: Float32Array;
}

/** A split held in memory: every example's features. */
export interface SplitData extends SplitLabels {
  /** per input: examples × featureSize, row-major */
  features: Record<string, Float32Array>;
}

/**
 * Reads a streamed split's features: the normalised features of the examples at the given positions of the
 * split, from the feature cache file (image, audio) or from memory (inputs that are not cached).
 */
export interface SplitStream {
  /** values per example of an input */
  rowSize(input: string): number;
  /** fills `out` (positions.length × rowSize) with the features of examples `positions` of the split */
  read(input: string, positions: ArrayLike<number>, out: Float32Array): void;
}

/** A split trained and predicted from the cache in batches: labels in memory, features read on demand. */
export interface StreamedSplit extends SplitLabels {
  stream: SplitStream;
}

/** Whether a split's features are read in batches from the cache rather than held in memory. */
export const isStreamed = (split: SplitData | StreamedSplit): split is StreamedSplit => 'stream' in split;

/** Per input: where its features came from in this run. */
export interface CacheReport {
  /** off: --no-cache / runtime.cache: false */
  inputs: { input: string; status: 'hit' | 'miss' | 'not cached' | 'off'; key?: string; bytes?: number }[];
  /** where the entries are */
  dir?: string;
}

/** How the data is prepared: with the feature cache (none: neither read nor written), streamed or in memory. */
export interface DataOptions {
  cache?: FeatureCache;
  /** default never */
  stream?: StreamMode;
  /** stream: auto streams above this many bytes of features (default 2 GiB) */
  memoryBudgetBytes?: number;
}

/** Missing cells of one input: how many, and what was done with them. */
export interface MissingReport {
  input: string;
  column: string;
  /** zeros | drop_row | mean | median | zero | reserved index | skipped (on_error) */
  action: string;
  /** rows (or, for several columns, cells) with a missing value among the rows used */
  count: number;
}

export interface PreparedData {
  state: PreprocessingState;
  train: SplitData;
  validation: SplitData;
  test: SplitData;
  /**
   * Build-time information per input for its encoder (vocabulary size, pretrained weights, ...); pass it to
   * the model builder with each input (see `modelInputs`). Not saved: the trained model holds the weights.
   */
  meta: Record<string, InputMeta>;
  /** sha256 of the manifest file */
  dataHash: string;
  skipped: { row: number; column: string; reason: string }[];
  /** missing values found per input (also emitted as `log` events) */
  missing: MissingReport[];
  /** rows left out because of a missing value (`missing: drop_row`) */
  droppedRows: number;
  unassignedRows: number;
  /** where features came from (absent: prepared without the cache) */
  cache?: CacheReport;
}

/**
 * Prepared data whose splits are read from the feature cache in batches (runtime.stream): the same state, meta
 * and reports as `PreparedData`, but no feature arrays. `close` releases the cache files.
 */
export interface StreamedData extends Omit<PreparedData, 'train' | 'validation' | 'test'> {
  streamed: true;
  train: StreamedSplit;
  validation: StreamedSplit;
  test: StreamedSplit;
  close(): void;
}
