/**
 * Turns a checked config into in-memory feature arrays: rows assigned to splits, labels indexed by the
 * classes seen in training, each input read (files decoded concurrently, cells parsed or tokenised), state
 * fitted on the training split only (vocabularies, statistics, category lists, normalisation), then encoded.
 * Unreadable files and bad values are a DataError naming the row and column — or, with `data.on_error: skip`,
 * a counted warning. Empty cells follow each input's missing-value policy, counted and reported.
 *
 * Everything learned from training is one JSON-serialisable `PreprocessingState` (the run's
 * `preprocessing.json`); `featuresFromState` applies it to new rows at prediction time through the same
 * loaders, giving exactly the training-time features.
 */
import { formatBytes } from '../io/regular-file.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suggestion } from '../config/did-you-mean.js';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { resolveConfigPath } from '../experiment/load.js';
import type { CheckedConfig } from '../experiment/semantic.js';
import { encoderRegistry } from '../model/encoders/index.js';
import { findEncoder, type InputMeta } from '../model/encoders/registry.js';
import type { RunEvent } from '../core/run-events.js';
import { DecodeError } from './decode-error.js';
import { maxFileBytes, type MediaReader } from './files/media-file.js';
import type { Entry } from './cache/entry.js';
import { isCacheable, openInputCache, STORED } from './cache/input-cache.js';
import { streamWithoutCache, type StreamMode } from './cache/options.js';
import type { FeatureCache } from './cache/store.js';
import { DataError } from './errors.js';
import type { Manifest } from './manifest.js';
import { findModality } from './modalities/index.js';
import { CellError, type FeatureLoader } from './modalities/modality.js';
import { assignSplits, type SplitIndices } from './split.js';

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

type Emit = (e: RunEvent) => void;

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The model's inputs, in state order, with their encoders' build-time meta: what `buildModel` takes. */
export function modelInputs(
  data: Pick<PreparedData, 'state' | 'meta'>,
): { name: string; modality: string; shape: number[]; meta: InputMeta }[] {
  return data.state.inputs.map((s) => ({ name: s.name, modality: s.modality, shape: s.shape, meta: data.meta[s.name] ?? {} }));
}

/** Sorted class names: numerically when every label is a number, else lexicographically. */
export function sortClasses(values: Iterable<string>): string[] {
  const list = [...new Set(values)];
  const numeric = list.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

async function mapLimit<T>(count: number, limit: number, fn: (i: number) => Promise<T>, onDone?: (done: number) => void): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
      done += 1;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

interface InputSpec {
  name: string;
  modality: string;
  /** the manifest columns it reads */
  columns: string[];
  preprocessing: unknown;
  /** the input entry as the modality sees it (column, columns, preprocessing, encoder, ...) */
  entry: Record<string, unknown>;
  /** largest file a cell may name (`data.max_file_mb`), for modalities whose cells name files */
  maxFileBytes?: number;
  /** how its cells' files are read (default: paths relative to the manifest) */
  readMedia?: MediaReader;
}

type AnyLoader = FeatureLoader<unknown, unknown>;

interface ReadInput {
  spec: InputSpec;
  loader: AnyLoader;
  /** the cache entry holding this input's decoded rows (their `values` are STORED) */
  entry?: Entry;
  cache: CacheReport['inputs'][number]['status'];
  /** read value by manifest row (undefined: not read, empty, or unreadable) */
  values: unknown[];
  /** rows whose cell was empty and that get zeros (`missing: zeros`) */
  zeroRows: Set<number>;
  /** rows left out because of a missing value */
  dropped: Set<number>;
  /** missing cells a loader with `handlesMissing` imputed */
  imputedCells: number;
  cacheBytes?: number;
}

interface ReadResult {
  inputs: ReadInput[];
  /** rows with an unreadable input (`data.on_error: skip`) */
  bad: Set<number>;
  /** rows left out for a missing value */
  dropped: Set<number>;
  skipped: PreparedData['skipped'];
  /** why the feature cache could not be used (the inputs were decoded without it) */
  cacheProblem?: string;
}

/** The manifest as errors name it: its absolute path (`DataError.describe` shows it relative where it is printed). */
const manifestName = (manifest: Manifest): string => manifest.file;

/** Reads (decodes, parses, tokenises) every input of the given rows; nothing is fitted yet. */
async function readInputs(
  manifest: Manifest,
  rows: number[],
  specs: InputSpec[],
  onError: 'error' | 'skip',
  emit: Emit,
  signal?: AbortSignal,
  cache?: FeatureCache,
): Promise<ReadResult> {
  const file = manifestName(manifest);
  const baseDir = path.dirname(manifest.file);
  const skipped: PreparedData['skipped'] = [];
  const bad = new Set<number>();
  const dropped = new Set<number>();
  const inputs: ReadInput[] = [];
  const total = rows.length * specs.length;
  let progressBase = 0;
  emit({ type: 'data_progress', done: 0, total, detail: 'reading' });
  let cacheProblem: string | undefined;
  for (const spec of specs) {
    const loader = (await findModality(spec.modality).createLoader(spec.preprocessing as never, spec.entry, {
      ...(spec.maxFileBytes !== undefined ? { maxFileBytes: spec.maxFileBytes } : {}),
      ...(spec.readMedia ? { readMedia: spec.readMedia } : {}),
    })) as AnyLoader;
    // the cache is an optimisation: a folder it cannot write is one warning, and the inputs are decoded without it
    if (cache && isCacheable(loader)) {
      cacheProblem = cache.ready();
      if (cacheProblem) {
        emit({
          type: 'log',
          level: 'warn',
          message: `feature cache: cannot use ${cache.dir} (${cacheProblem}); this run decodes its inputs without the cache (set MMX_CACHE_DIR to a writable folder, or --no-cache)`,
        });
        cache = undefined;
      }
    }
    const r: ReadInput = {
      spec,
      loader,
      cache: cache ? 'not cached' : 'off',
      values: new Array(manifest.rows.length),
      zeroRows: new Set(),
      dropped: new Set(),
      imputedCells: 0,
    };
    const policy = loader.missing ?? 'error';
    const cached =
      cache && isCacheable(loader)
        ? await openInputCache(cache, spec, loader, manifest, rows, {
            onCorrupt: (reason) =>
              emit({
                type: 'log',
                level: 'warn',
                message: `feature cache: the entry for input '${spec.name}' was unusable (${reason}); decoding again`,
              }),
            onWait: () =>
              emit({
                type: 'log',
                level: 'info',
                message: `feature cache: another process is decoding input '${spec.name}'; waiting for its entry`,
              }),
            ...(signal ? { signal } : {}),
          })
        : undefined;
    if (cached) r.cache = cached.hit ? 'hit' : 'miss';
    const writer = cached && !cached.hit ? cached.writer : undefined;
    const hitEntry = cached?.hit ? cached.entry : undefined;
    try {
      await mapLimit(
        rows.length,
        8,
        async (k) => {
          if (signal?.aborted) throw signal.reason;
          const i = rows[k]!;
          const cells = spec.columns.map((c) => (manifest.rows[i]![c] ?? '').trim());
          let column = spec.columns[0]!;
          try {
            if (!loader.handlesMissing && cells.every((c) => c === '')) {
              if (policy === 'zeros') return void r.zeroRows.add(i);
              if (policy === 'drop_row') return void r.dropped.add(i);
              throw new DecodeError('the value is missing', '');
            }
            if (hitEntry) {
              if (hitEntry.rowStatus(i) !== 1) throw new DecodeError(hitEntry.error(i), '');
              return void (r.values[i] = STORED);
            }
            const value = await loader.read(cells, baseDir);
            if (loader.drop?.(value)) return void r.dropped.add(i);
            r.imputedCells += loader.countMissing?.(value) ?? 0;
            if (writer) {
              writer.put(i, value as Float32Array);
              r.values[i] = STORED;
            } else r.values[i] = value;
          } catch (err) {
            if (err instanceof CellError) column = spec.columns[err.column] ?? column;
            else if (!(err instanceof DecodeError)) throw err;
            if (writer && err instanceof DecodeError && err.message !== 'the value is missing') writer.fail(i, err.message);
            const cell = cells[spec.columns.indexOf(column)] ?? '';
            const missingCell = err.message === 'the value is missing';
            if (onError === 'skip') {
              bad.add(i);
              skipped.push({ row: i + 1, column, reason: `${err.message}${err instanceof DecodeError && cell ? ` (${cell})` : ''}` });
              return;
            }
            const hint =
              err instanceof CellError
                ? err.hint
                : missingCell
                  ? `fill the cell, set inputs.${spec.name}.preprocessing.missing to zeros or drop_row, or data.on_error: skip`
                  : `paths are relative to the manifest's folder, ${baseDir}; set data.on_error: skip to leave such rows out`;
            throw new DataError(
              `${err.message}${err instanceof DecodeError && cell ? `: ${cell}` : ''}`,
              { file, line: manifest.lines[i]!, row: i + 1, column },
              hint,
            );
          }
        },
        (done) => {
          if (done % 500 === 0 || done === rows.length)
            emit({ type: 'data_progress', done: progressBase + done, total, detail: `reading ${spec.name}` });
        },
      );
      if (writer) {
        const bytes = writer.commit();
        r.entry = cache!.lookup(cached!.key);
        if (!r.entry) throw new Error(`feature cache: the entry just written for input '${spec.name}' cannot be read back`);
        r.cacheBytes = bytes;
      } else if (hitEntry) {
        r.entry = hitEntry;
        r.cacheBytes = hitEntry.bytes;
      }
    } catch (err) {
      writer?.abort();
      hitEntry?.close();
      throw err;
    } finally {
      if (cached && !cached.hit) cached.lock.release();
    }
    progressBase += rows.length;
    for (const i of r.dropped) dropped.add(i);
    inputs.push(r);
  }
  if (skipped.length) {
    emit({
      type: 'log',
      level: 'warn',
      message: `skipped ${bad.size} row(s) with unreadable inputs (data.on_error: skip); first: row ${skipped[0]!.row} ${skipped[0]!.column}: ${skipped[0]!.reason}`,
    });
  }
  return { inputs, bad, dropped, skipped, ...(cacheProblem ? { cacheProblem } : {}) };
}

/** Missing values among `used` rows, one report per input that had any; emitted as log lines. */
function reportMissing(read: ReadResult, used: ReadonlySet<number>, emit: Emit): MissingReport[] {
  const reports: MissingReport[] = [];
  for (const r of read.inputs) {
    const column = r.spec.columns.join(', ');
    const zeros = [...r.zeroRows].filter((i) => used.has(i)).length;
    if (zeros) reports.push({ input: r.spec.name, column, action: 'zeros', count: zeros });
    if (r.dropped.size) reports.push({ input: r.spec.name, column, action: 'drop_row', count: r.dropped.size });
    if (r.imputedCells) reports.push({ input: r.spec.name, column, action: r.loader.missingAction ?? 'imputed', count: r.imputedCells });
  }
  for (const m of reports) {
    const what = m.action === 'drop_row' ? `row(s) left out (missing: drop_row)` : `missing value(s) → ${m.action}`;
    emit({
      type: 'log',
      level: m.action === 'drop_row' ? 'warn' : 'info',
      message: `input '${m.input}' (${m.column}): ${m.count.toLocaleString('en-US')} ${what}`,
    });
  }
  return reports;
}

/** Encoded (not yet normalised) features of `rows` for one input; zeros rows stay undefined. */
function encodeRows(r: ReadInput, rows: readonly number[], fitted: unknown, size: number): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  const encode = r.loader.encode;
  for (const i of rows) {
    if (r.zeroRows.has(i)) continue;
    const v = r.values[i];
    const x = encode ? encode.call(r.loader, v, fitted) : (v as Float32Array);
    if (x.length !== size) throw new Error(`input '${r.spec.name}': encoded ${x.length} values, expected ${size}`);
    out.set(i, x);
  }
  return out;
}

/** Encoded features of a row (undefined: none, e.g. `missing: zeros`); may reuse one buffer between calls. */
type RowFeatures = (row: number) => Float32Array | undefined;

/** Rows of a cache entry, read in blocks of contiguous rows (bounded memory); undefined for rows not stored. */
function entryRows(r: ReadInput, size: number, blockRows = 256): RowFeatures {
  const rows = r.entry!.info.rows;
  const block = new Float32Array(blockRows * size);
  let first = -1;
  let count = 0;
  return (i) => {
    if (r.values[i] !== STORED) return undefined;
    if (i < first || i >= first + count) {
      first = i;
      count = Math.min(blockRows, rows - i);
      r.entry!.readRun(first, count, block);
    }
    return block.subarray((i - first) * size, (i - first + 1) * size);
  };
}

/** Normalisation statistics over the (encoded) training rows, missing rows excluded — in one pass, row by row. */
function fitNormalization(
  kind: FeatureLoader['normalization'],
  encoded: RowFeatures,
  rows: readonly number[],
  shape: number[],
): Normalization {
  if (kind === 'none') return { kind: 'none' };
  const channels = kind === 'standardize_channels' ? (shape[shape.length - 1] ?? 1) : 1;
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  let n = 0;
  for (const i of rows) {
    const x = encoded(i);
    if (!x) continue;
    // per channel, values in the order they come (the sums do not depend on the loop shape)
    for (let base = 0; base < x.length; base += channels) {
      for (let c = 0; c < channels; c++) {
        const v = x[base + c]!;
        sum[c]! += v;
        sq[c]! += v * v;
      }
    }
    n += x.length / channels;
  }
  const mean = Array.from(sum, (s) => (n ? s / n : 0));
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(n ? s / n - mean[c]! * mean[c]! : 0, 0)) || 1);
  return kind === 'standardize' ? { kind, mean: mean[0]!, std: std[0]! } : { kind, mean, std };
}

function normalizeInPlace(x: Float32Array, norm: Normalization): void {
  if (norm.kind === 'standardize') {
    for (let j = 0; j < x.length; j++) x[j] = (x[j]! - norm.mean) / norm.std;
  } else if (norm.kind === 'standardize_channels') {
    const c = norm.mean.length;
    for (let base = 0; base < x.length; base += c) {
      for (let k = 0; k < c; k++) x[base + k] = (x[base + k]! - norm.mean[k]!) / norm.std[k]!;
    }
  }
}

/** Turns a manifest row's label cell into the class index and the training target (see `targetEncoder`). */
export interface TargetEncoder {
  width: number;
  /** class index (classification, binary), 0 (other tasks), -1 (no label); fills `out` (NaN when no label) */
  encode(row: number, out: Float32Array): number;
}

/**
 * Where an input's encoded features are: in memory by manifest row, or in a cache entry (rows whose `values`
 * are STORED; read straight into the destination).
 */
type EncodedInput = { kind: 'memory'; byRow: Map<number, Float32Array> } | { kind: 'entry'; read: ReadInput };

/** Writes row `i`'s normalised features into `view`; leaves it alone (zeros) for rows without features. */
function fillRow(e: EncodedInput, s: InputState, i: number, view: Float32Array): void {
  if (e.kind === 'memory') {
    const x = e.byRow.get(i);
    if (!x) return;
    view.set(x);
  } else {
    if (e.read.values[i] !== STORED) return;
    e.read.entry!.read(i, view);
  }
  normalizeInPlace(view, s.normalization);
}

/**
 * Fills `out` with the normalised features of rows `rowAt(0 .. n-1)`; rows without features stay as they are
 * (zeros). Rows of a cache entry that follow each other in the file are read in one go.
 */
function fillRows(e: EncodedInput, s: InputState, rowAt: (k: number) => number, n: number, out: Float32Array): void {
  const size = sizeOf(s.shape);
  if (e.kind === 'memory') {
    for (let k = 0; k < n; k++) fillRow(e, s, rowAt(k), out.subarray(k * size, (k + 1) * size));
    return;
  }
  const values = e.read.values;
  for (let k = 0; k < n; ) {
    const i = rowAt(k);
    if (values[i] !== STORED) {
      k += 1;
      continue;
    }
    let len = 1;
    while (k + len < n && rowAt(k + len) === i + len && values[i + len] === STORED) len += 1;
    e.read.entry!.readRun(i, len, out.subarray(k * size, (k + len) * size));
    for (let j = k; j < k + len; j++) normalizeInPlace(out.subarray(j * size, (j + 1) * size), s.normalization);
    k += len;
  }
}

/** Rows, labels and targets of a split (no features). */
function splitLabels(rows: number[], target: TargetEncoder): SplitLabels {
  const targets = new Float32Array(rows.length * target.width);
  const labels = Int32Array.from(rows, (i, k) => target.encode(i, targets.subarray(k * target.width, (k + 1) * target.width)));
  return { rows, labels, targets };
}

/** Contiguous, normalised feature arrays for `rows`, in that order; rows without features (missing: zeros) are 0. */
function assemble(rows: number[], states: InputState[], encoded: Map<string, EncodedInput>, target: TargetEncoder): SplitData {
  const features: Record<string, Float32Array> = {};
  for (const s of states) {
    const size = sizeOf(s.shape);
    const out = new Float32Array(rows.length * size);
    fillRows(encoded.get(s.name)!, s, (k) => rows[k]!, rows.length, out);
    features[s.name] = out;
  }
  return { ...splitLabels(rows, target), features };
}

/**
 * A split read on demand: inputs in a cache entry are read row by row from the file, the others (not cached:
 * text, numeric, categorical — small) are assembled in memory once.
 */
function streamSplit(rows: number[], states: InputState[], encoded: Map<string, EncodedInput>, target: TargetEncoder): StreamedSplit {
  const inMemory = states.filter((s) => encoded.get(s.name)!.kind === 'memory');
  const held = inMemory.length ? assemble(rows, inMemory, encoded, target).features : {};
  const byName = new Map(states.map((s) => [s.name, s]));
  const stream: SplitStream = {
    rowSize: (input) => sizeOf(byName.get(input)!.shape),
    read(input, positions, out) {
      const s = byName.get(input)!;
      const size = sizeOf(s.shape);
      const src = held[input];
      if (src) {
        for (let k = 0; k < positions.length; k++) out.set(src.subarray(positions[k]! * size, (positions[k]! + 1) * size), k * size);
        return;
      }
      out.fill(0, 0, positions.length * size);
      fillRows(encoded.get(input)!, s, (k) => rows[positions[k]!]!, positions.length, out);
    },
  };
  return { ...splitLabels(rows, target), stream };
}

/** The input entry a modality's loader is created from, rebuilt from a saved state. */
function entryFromState(s: InputState): Record<string, unknown> {
  const columns = s.columns ?? [s.column];
  return { column: columns[0], ...(columns.length > 1 ? { columns: columns.slice(1) } : {}), preprocessing: s.preprocessing };
}

/** Checks the inputs' extra columns and modality-specific rules, with the config's positions. */
function checkInputs(checked: CheckedConfig): void {
  const { config, manifest, sources } = checked;
  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string, hint?: string): void => {
    issues.push({ ...(sources.locate(p) ?? { file: checked.file }), path: p.join('.'), message, ...(hint ? { hint } : {}) });
  };
  for (const [name, input] of Object.entries(config.inputs)) {
    const modality = findModality(input.type);
    for (const issue of modality.check?.(input as never) ?? []) at(['inputs', name, ...issue.path], issue.message, issue.hint);
    const extra = (input as { columns?: string[] }).columns ?? [];
    extra.forEach((c, j) => {
      if (!manifest.columns.includes(c))
        at(
          ['inputs', name, 'columns', j],
          `input '${name}' column '${c}' is not in ${path.basename(manifest.file)}`,
          suggestion(c, manifest.columns, 'one of the columns'),
        );
    });
  }
  if (issues.length) throw new ConfigError(issues);
}

function specsOf(checked: CheckedConfig): InputSpec[] {
  return Object.entries(checked.config.inputs).map(([name, input]) => {
    const entry = input as unknown as Record<string, unknown>;
    const modality = findModality(input.type);
    const columns = modality.columns?.(entry) ?? [input.column];
    const files = modality.files;
    return {
      name,
      modality: input.type,
      columns,
      preprocessing: input.preprocessing,
      entry,
      ...(files ? { maxFileBytes: maxFileBytes(checked.config.data, files) } : {}),
    };
  });
}

/**
 * Prepares the data in memory (what evaluation, ablation and the bench use). With `options.cache`, decoded
 * features come from (and go to) the feature cache.
 */
export async function prepareData(
  checked: CheckedConfig,
  emit: Emit = () => {},
  signal?: AbortSignal,
  options: { cache?: FeatureCache } = {},
): Promise<PreparedData> {
  const data = await prepare(checked, emit, signal, { ...options, stream: 'never' });
  if ('streamed' in data) throw new Error('unreachable: stream: never gave streamed data');
  return data;
}

/**
 * Prepares the data for training: in memory, or — `stream: always`, or `auto` with more features than the
 * memory budget — streamed from the feature cache (needs the cache).
 */
export async function prepareTrainingData(
  checked: CheckedConfig,
  options: DataOptions,
  emit: Emit = () => {},
  signal?: AbortSignal,
): Promise<PreparedData | StreamedData> {
  return prepare(checked, emit, signal, options);
}

/** The rows a run uses and what it learns about the target, before any input is read. */
export interface RowPlan {
  /** the target cell of every manifest row (trimmed) */
  labels: string[];
  splits: SplitIndices;
  target: TargetState;
  targetEnc: TargetEncoder;
  /** every row of the three splits, in split order (train, validation, test) */
  used: number[];
}

/**
 * What a run does first, from the manifest's cells alone: the input columns' checks, the split, rows without a
 * label, the classes (or labels, or the target statistics) of the training split, and every labelled row checked
 * against them. `mmx validate` runs it to find before any run what the run would stop on: an empty split, a
 * single class, a label the training split lacks. Cheap: no file is opened.
 * @throws DataError or ConfigError naming the row, the column or the config line
 */
export function planRows(checked: CheckedConfig, emit: Emit = () => {}): RowPlan {
  const { config, manifest } = checked;
  const file = manifestName(manifest);
  checkInputs(checked);
  const targetCol = config.target.column;
  const labels = manifest.rows.map((r) => (r[targetCol] ?? '').trim());
  const splits = assignSplits(manifest, config.data.split, labels, config.seed);
  const where = (i: number, column: string) => ({ file, line: manifest.lines[i]!, row: i + 1, column });

  if (config.target.missing === 'drop_row') {
    let dropped = 0;
    for (const name of ['train', 'validation', 'test'] as const) {
      const before = splits[name].length;
      splits[name] = splits[name].filter((i) => labels[i] !== '');
      dropped += before - splits[name].length;
    }
    if (dropped)
      emit({
        type: 'log',
        level: 'warn',
        message: `left out ${dropped.toLocaleString('en-US')} row(s) without a label in column ${targetCol} (target.missing: drop_row)`,
      });
  }
  for (const i of [...splits.train, ...splits.validation, ...splits.test]) {
    if (labels[i] === '') {
      const hint =
        config.target.task === 'multilabel'
          ? `a multilabel cell lists one or more labels separated by '${config.target.delimiter ?? '|'}'`
          : 'every row needs a value in the target column';
      throw new DataError(
        config.target.task === 'multilabel' ? 'the label list is empty' : 'the label is missing',
        where(i, targetCol),
        `${hint}, or set target.missing: drop_row`,
      );
    }
  }
  // an empty split (few rows for the ratios, or every label missing) stops the run before anything is learned
  for (const name of ['train', 'validation', 'test'] as const) {
    if (splits[name].length === 0) {
      throw new DataError(
        `the ${name} split is empty${config.target.missing === 'drop_row' ? ' once rows without a label are left out' : ''}`,
        { file },
        config.data.split.ratios ? 'use more rows, or a larger ratio for it' : undefined,
      );
    }
  }
  const target = fitTarget(checked, labels, splits, where);
  const targetEnc = targetEncoder(target, (i) => labels[i]!, where);
  // every labelled row is checked now (unseen classes, bad numbers), before anything is read
  const probe = new Float32Array(targetEnc.width);
  for (const i of [...splits.validation, ...splits.test]) targetEnc.encode(i, probe);

  return { labels, splits, target, targetEnc, used: [...splits.train, ...splits.validation, ...splits.test] };
}

async function prepare(
  checked: CheckedConfig,
  emit: Emit,
  signal: AbortSignal | undefined,
  options: DataOptions,
): Promise<PreparedData | StreamedData> {
  const { config, manifest } = checked;
  const file = manifestName(manifest);
  const { labels, splits, target, targetEnc, used } = planRows(checked, emit);
  const specs = specsOf(checked);
  const read = await readInputs(manifest, used, specs, config.data.on_error, emit, signal, options.cache);
  // without a usable cache folder the data is prepared as with --no-cache
  if (read.cacheProblem) options = { ...options, cache: undefined };
  const closeEntries = (): void => {
    for (const r of read.inputs) r.entry?.close();
  };
  try {
    const keep = (rows: number[]) => rows.filter((i) => !read.bad.has(i) && !read.dropped.has(i));
    const trainRows = keep(splits.train);
    const valRows = keep(splits.validation);
    const testRows = keep(splits.test);
    const missing = reportMissing(read, new Set([...trainRows, ...valRows, ...testRows]), emit);
    if (read.dropped.size) {
      emit({
        type: 'log',
        level: 'warn',
        message: `left out ${read.dropped.size.toLocaleString('en-US')} row(s) with missing values (missing: drop_row)`,
      });
    }
    for (const [name, rows] of [
      ['train', trainRows],
      ['validation', valRows],
      ['test', testRows],
    ] as const) {
      if (rows.length === 0)
        throw new DataError(
          `the ${name} split has no usable rows left`,
          { file },
          read.dropped.size ? 'rows with missing values were left out (missing: drop_row)' : undefined,
        );
    }

    const allRows = [...trainRows, ...valRows, ...testRows];
    const states: InputState[] = [];
    const encoded = new Map<string, EncodedInput>();
    const meta: Record<string, InputMeta> = {};
    for (const r of read.inputs) {
      const present = trainRows.filter((i) => r.values[i] !== undefined);
      const fitted = r.entry ? undefined : r.loader.fit?.(present.map((i) => r.values[i]));
      const shape = r.loader.shape(fitted);
      let rowFeatures: RowFeatures;
      if (r.entry) {
        encoded.set(r.spec.name, { kind: 'entry', read: r });
        rowFeatures = entryRows(r, sizeOf(shape));
      } else {
        const byRow = encodeRows(r, allRows, fitted, sizeOf(shape));
        encoded.set(r.spec.name, { kind: 'memory', byRow });
        rowFeatures = (i) => byRow.get(i);
      }
      states.push({
        name: r.spec.name,
        modality: r.spec.modality,
        column: r.spec.columns[0]!,
        ...(r.spec.columns.length > 1 ? { columns: r.spec.columns } : {}),
        shape,
        preprocessing: r.spec.preprocessing,
        normalization: fitNormalization(r.loader.normalization, rowFeatures, trainRows, shape),
        ...(fitted !== undefined ? { fitted } : {}),
      });
      const m: InputMeta = r.loader.meta?.(fitted) ?? {};
      const input = config.inputs[r.spec.name]!;
      const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
      if (encoder.prepare) {
        Object.assign(
          m,
          await encoder.prepare({
            options: input.encoder as never,
            meta: m,
            featureShape: shape,
            resolvePath: (keyPath, value) => resolveConfigPath(checked, ['inputs', r.spec.name, 'encoder', ...keyPath], value),
            log: (message) => emit({ type: 'log', level: 'info', message: `input '${r.spec.name}': ${message}` }),
            seed: config.seed,
          }),
        );
      }
      meta[r.spec.name] = m;
    }
    const split = config.data.split;
    const common = {
      state: {
        version: 1 as const,
        target,
        inputs: states,
        split:
          split.column !== undefined
            ? { column: split.column, values: { train: split.train, validation: split.validation, test: split.test } }
            : {},
      },
      meta,
      dataHash: createHash('sha256').update(readFileSync(manifest.file)).digest('hex'),
      skipped: read.skipped,
      missing,
      droppedRows: read.dropped.size,
      unassignedRows: splits.unassigned,
      ...(options.cache
        ? {
            cache: {
              dir: options.cache.dir,
              inputs: read.inputs.map((r) => ({
                input: r.spec.name,
                status: r.cache,
                ...(r.entry ? { key: r.entry.info.key, bytes: r.cacheBytes ?? 0 } : {}),
              })),
            },
          }
        : {}),
    };
    const featureBytes = allRows.length * states.reduce((a, s) => a + sizeOf(s.shape), 0) * 4;
    if (shouldStream(options, featureBytes, checked, emit)) {
      return {
        ...common,
        streamed: true,
        train: streamSplit(trainRows, states, encoded, targetEnc),
        validation: streamSplit(valRows, states, encoded, targetEnc),
        test: streamSplit(testRows, states, encoded, targetEnc),
        close: closeEntries,
      };
    }
    const data: PreparedData = {
      ...common,
      train: assemble(trainRows, states, encoded, targetEnc),
      validation: assemble(valRows, states, encoded, targetEnc),
      test: assemble(testRows, states, encoded, targetEnc),
    };
    closeEntries();
    return data;
  } catch (err) {
    closeEntries();
    throw err;
  }
}

/** runtime.stream: always; auto when the features exceed the memory budget. Streaming reads from the cache. */
function shouldStream(options: DataOptions, featureBytes: number, checked: CheckedConfig, emit: Emit): boolean {
  const mode = options.stream ?? 'never';
  const budget = options.memoryBudgetBytes ?? 2048 * 2 ** 20;
  // held in memory past the budget: said once, with why and what to change
  const overBudget = (why: string): false => {
    if (featureBytes > budget && options.memoryBudgetBytes !== undefined) {
      emit({
        type: 'log',
        level: 'warn',
        message: `the features take ${formatBytes(featureBytes)}, more than runtime.memory_budget_mb allows (${formatBytes(Math.round(budget))}), and are held in memory: ${why}`,
      });
    }
    return false;
  };
  if (mode === 'never') return overBudget('runtime.stream is never (set it to auto to stream them from the feature cache)');
  if (!options.cache) {
    // checkSemantics reports this for a config; here it guards callers that pass options of their own
    const problem = streamWithoutCache(mode, false);
    if (problem) {
      const where = checked.sources.locate(['runtime', 'stream']) ?? { file: checked.file };
      throw new ConfigError([{ ...where, path: 'runtime.stream', ...problem }]);
    }
    return overBudget(
      'without the feature cache (--no-cache, runtime.cache: false, or a cache folder it cannot write) they cannot be streamed; run with the cache, or raise the budget',
    );
  }
  return mode === 'always' || featureBytes > budget;
}

/**
 * Features for new rows with a saved preprocessing state (same loaders, same fitted state, same normalisation).
 * Labels are read when the manifest has the target column (-1 where a cell is empty); a label the model never
 * saw is an error naming the row. Rows left out for a missing value (`missing: drop_row`) are listed in
 * `skipped` with that reason.
 */
export async function featuresFromState(
  manifest: Manifest,
  state: PreprocessingState,
  options: { rows?: number[]; onError?: 'error' | 'skip'; emit?: Emit; signal?: AbortSignal; readMedia?: MediaReader } = {},
): Promise<{ data: SplitData; hasLabels: boolean; skipped: PreparedData['skipped']; missing: MissingReport[] }> {
  const file = manifestName(manifest);
  const needed = state.inputs.flatMap((s) => s.columns ?? [s.column]);
  for (const s of state.inputs) {
    for (const c of s.columns ?? [s.column]) {
      if (!manifest.columns.includes(c)) {
        throw new DataError(
          `column '${c}' (input '${s.name}') is not in the manifest`,
          { file },
          `the model reads the columns: ${[...new Set(needed)].join(', ')}`,
        );
      }
    }
  }
  const emit = options.emit ?? (() => {});
  const rows = options.rows ?? manifest.rows.map((_, i) => i);
  const specs: InputSpec[] = state.inputs.map((s) => ({
    name: s.name,
    modality: s.modality,
    columns: s.columns ?? [s.column],
    preprocessing: s.preprocessing,
    entry: entryFromState(s),
    ...(options.readMedia ? { readMedia: options.readMedia } : {}),
  }));
  const read = await readInputs(manifest, rows, specs, options.onError ?? 'error', emit, options.signal);
  const kept = rows.filter((i) => !read.bad.has(i) && !read.dropped.has(i));
  const missing = reportMissing(read, new Set(kept), emit);
  const skipped = [...read.skipped];
  for (const r of read.inputs)
    for (const i of r.dropped) skipped.push({ row: i + 1, column: r.spec.columns.join(', '), reason: 'missing value (missing: drop_row)' });
  const encoded = new Map<string, EncodedInput>();
  for (const [k, r] of read.inputs.entries()) {
    const s = state.inputs[k]!;
    encoded.set(s.name, { kind: 'memory', byRow: encodeRows(r, kept, s.fitted, sizeOf(s.shape)) });
  }
  const target = state.target.column;
  const hasLabels = manifest.columns.includes(target);
  const where = (i: number, column: string) => ({ file, line: manifest.lines[i]!, row: i + 1, column });
  const targetEnc = targetEncoder(state.target, (i) => (hasLabels ? (manifest.rows[i]![target] ?? '').trim() : ''), where, true);
  return { data: assemble(kept, state.inputs, encoded, targetEnc), hasLabels, skipped, missing };
}

type Where = (row: number, column: string) => { file: string; line: number; row: number; column: string };

/** The labels of a multilabel cell: split on the delimiter, trimmed, empty parts dropped, duplicates once. */
export function splitLabelList(cell: string, delimiter: string): string[] {
  return [
    ...new Set(
      cell
        .split(delimiter)
        .map((p) => p.trim())
        .filter((p) => p !== ''),
    ),
  ];
}

const ENGLISH_POSITIVE = ['1', 'true', 'yes', 'y', 'pos', 'positive'];

/** The target learned from the training split: classes (or labels), regression statistics, loss options. */
function fitTarget(checked: CheckedConfig, labels: readonly string[], splits: { train: number[] }, where: Where): TargetState {
  const { config, manifest, sources } = checked;
  const t = config.target;
  const column = t.column;
  const file = manifestName(manifest);
  const base = { column, task: t.task };
  const configIssue = (p: (string | number)[], message: string, hint?: string): ConfigError =>
    new ConfigError([{ ...(sources.locate(p) ?? { file: checked.file }), path: p.join('.'), message, ...(hint ? { hint } : {}) }]);
  const trainLabels = splits.train.map((i) => labels[i]!);
  const lossOptions = (classes: string[], counts: (c: number) => number): Pick<TargetState, 'classWeights' | 'labelSmoothing'> => {
    const out: Pick<TargetState, 'classWeights' | 'labelSmoothing'> = {};
    if (t.label_smoothing) out.labelSmoothing = t.label_smoothing;
    const cw = t.class_weight;
    if (cw === 'balanced') {
      const n = trainLabels.length;
      out.classWeights = classes.map((_, c) => (counts(c) ? n / (classes.length * counts(c)) : 1));
    } else if (cw) {
      for (const key of Object.keys(cw)) {
        if (!classes.includes(key))
          throw configIssue(
            ['target', 'class_weight', key],
            `class '${key}' does not occur in the training split`,
            suggestion(key, classes, 'one of the classes'),
          );
      }
      out.classWeights = classes.map((c) => cw[c] ?? 1);
    }
    return out;
  };
  switch (t.task) {
    case 'classification':
    case 'binary': {
      let classes = sortClasses(trainLabels);
      if (classes.length < 2)
        throw new DataError(
          `the training split has ${classes.length} class(es); ${t.task} needs ${t.task === 'binary' ? 'exactly' : 'at least'} 2`,
          { file, column },
        );
      if (t.task === 'binary') {
        if (classes.length > 2) {
          const shown = classes
            .slice(0, 6)
            .map((c) => `'${c}'`)
            .join(', ');
          throw new DataError(
            `the training split has ${classes.length} classes (${shown}${classes.length > 6 ? ', ...' : ''}); binary needs exactly 2`,
            { file, column },
            'use task: classification',
          );
        }
        const positive =
          t.positive_class ??
          (ENGLISH_POSITIVE.includes(classes[0]!.toLowerCase()) && !ENGLISH_POSITIVE.includes(classes[1]!.toLowerCase())
            ? classes[0]!
            : classes[1]!);
        if (!classes.includes(positive))
          throw configIssue(
            ['target', 'positive_class'],
            `'${positive}' is not one of the two labels (${classes.join(', ')})`,
            suggestion(positive, classes),
          );
        classes = [classes.find((c) => c !== positive)!, positive];
      }
      const index = new Map(classes.map((c, i) => [c, i]));
      const counts = new Array<number>(classes.length).fill(0);
      for (const l of trainLabels) counts[index.get(l)!]! += 1;
      return {
        ...base,
        classes,
        ...(t.task === 'binary' ? { threshold: t.threshold ?? 0.5 } : {}),
        ...lossOptions(classes, (c) => counts[c]!),
      };
    }
    case 'multilabel': {
      const delimiter = t.delimiter ?? '|';
      const seen: string[] = [];
      for (const i of splits.train) {
        const list = splitLabelList(labels[i]!, delimiter);
        if (list.length === 0)
          throw new DataError(
            'the label list is empty',
            where(i, column),
            `a multilabel cell lists one or more labels separated by '${delimiter}'`,
          );
        seen.push(...list);
      }
      const classes = sortClasses(seen);
      if (classes.length < 2)
        throw new DataError(
          `the training split has ${classes.length} label(s); multilabel needs at least 2`,
          { file, column },
          `labels are separated by '${delimiter}' (target.delimiter)`,
        );
      return { ...base, classes, threshold: t.threshold ?? 0.5, delimiter };
    }
    case 'regression': {
      let sum = 0;
      let sq = 0;
      for (const i of splits.train) {
        const v = parseTargetNumber(labels[i]!, i, column, where);
        sum += v;
        sq += v * v;
      }
      const n = splits.train.length;
      const mean = n ? sum / n : 0;
      const std = Math.sqrt(Math.max(n ? sq / n - mean * mean : 0, 0)) || 1;
      const normalization = (t.normalize ?? 'standard') === 'standard' ? { mean, std } : { mean: 0, std: 1 };
      return {
        ...base,
        classes: [],
        normalization,
        loss: t.loss ?? 'mse',
        ...(t.loss === 'huber' ? { huberDelta: t.huber_delta ?? 1 } : {}),
      };
    }
  }
}

function parseTargetNumber(cell: string, i: number, column: string, where: Where): number {
  const v = Number(cell);
  if (cell === '' || !Number.isFinite(v))
    throw new DataError(
      `'${cell}' is not a number (regression target)`,
      where(i, column),
      'a regression target is a plain number such as 3.5 or -1e3',
    );
  return v;
}

/**
 * Label cell → class index and training target row. For training data (`unlabelled: false`) every cell must
 * hold a label the training split has; with `unlabelled: true` (prediction) an empty cell means "no label"
 * (index -1, NaN target).
 */
export function targetEncoder(target: TargetState, cellOf: (row: number) => string, where: Where, unlabelled = false): TargetEncoder {
  const task = target.task;
  const classes = target.classes;
  const index = new Map(classes.map((c, i) => [c, i]));
  // classification keeps the class index only (its one-hot rows are made per batch: 10,000 classes would be 40 kB a row)
  const width = task === 'multilabel' ? classes.length : task === 'classification' ? 0 : 1;
  const unknown = (v: string, i: number): DataError =>
    unlabelled
      ? new DataError(
          `label '${v}' is not one of the model's ${task === 'multilabel' ? 'labels' : 'classes'} (${classes.join(', ')})`,
          where(i, target.column),
        )
      : new DataError(
          `label '${v}' does not occur in the training split`,
          where(i, target.column),
          'the model can only predict classes it was trained on',
        );
  return {
    width,
    encode(i, out) {
      const v = cellOf(i);
      const list = task === 'multilabel' ? splitLabelList(v, target.delimiter ?? '|') : [];
      if (v === '' || (task === 'multilabel' && list.length === 0)) {
        if (!unlabelled || (task === 'multilabel' && v !== '')) {
          throw new DataError(
            task === 'multilabel' ? 'the label list is empty' : 'the label is missing',
            where(i, target.column),
            task === 'multilabel' ? `a multilabel cell lists one or more labels separated by '${target.delimiter ?? '|'}'` : undefined,
          );
        }
        out.fill(NaN);
        return -1;
      }
      switch (task) {
        case 'classification':
        case 'binary': {
          const k = index.get(v);
          if (k === undefined) throw unknown(v, i);
          if (task === 'binary') out[0] = k;
          return k;
        }
        case 'multilabel': {
          out.fill(0);
          for (const l of list) {
            const k = index.get(l);
            if (k === undefined) throw unknown(l, i);
            out[k] = 1;
          }
          return 0;
        }
        default: {
          const y = parseTargetNumber(v, i, target.column, where);
          const norm = target.normalization ?? { mean: 0, std: 1 };
          out[0] = (y - norm.mean) / norm.std;
          return 0;
        }
      }
    },
  };
}
