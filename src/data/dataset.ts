/**
 * Turns a checked config into in-memory feature arrays: rows assigned to splits, labels indexed by the
 * classes seen in training, each input's files decoded (concurrently), normalisation fitted on the training
 * split only. Unreadable files are a DataError naming the row, column and path — or, with
 * `data.on_error: skip`, a counted warning.
 *
 * Everything learned from training is one `PreprocessingState`; `featuresFromState` applies it to new
 * rows at prediction time, through the same loaders.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckedConfig } from '../config/semantic.js';
import type { RunEvent } from '../train/events.js';
import { DecodeError } from './decode-error.js';
import { DataError } from './errors.js';
import type { Manifest } from './manifest.js';
import { findModality } from './modalities/index.js';
import type { FeatureLoader } from './modalities/modality.js';
import { assignSplits } from './split.js';

export interface SplitData {
  /** manifest row index of each example */
  rows: number[];
  /** per input: examples × featureSize, row-major */
  features: Record<string, Float32Array>;
  /** class index of each example (-1 where the manifest has no label) */
  labels: Int32Array;
}

export interface InputState {
  name: string;
  modality: string;
  column: string;
  shape: number[];
  preprocessing: unknown;
  normalization: { kind: 'standardize'; mean: number; std: number } | { kind: 'none' };
}

/** Everything learned from the training split; saved with the run so predictions use the same transform. */
export interface PreprocessingState {
  version: 1;
  target: { column: string; task: string; classes: string[] };
  inputs: InputState[];
  /** how the training manifest was split (so `mmx evaluate --split test` can select the same rows) */
  split?: { column?: string; values?: { train: string; validation: string; test: string } };
}

export interface PreparedData {
  state: PreprocessingState;
  train: SplitData;
  validation: SplitData;
  test: SplitData;
  /** sha256 of the manifest file */
  dataHash: string;
  skipped: { row: number; column: string; reason: string }[];
  unassignedRows: number;
}

type Emit = (e: RunEvent) => void;

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

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
  column: string;
  modality: string;
  preprocessing: unknown;
}

interface LoadedInputs {
  loaders: (InputSpec & { loader: FeatureLoader })[];
  /** per input name: features by manifest row (undefined for rows not loaded or skipped) */
  byRow: Map<string, (Float32Array | undefined)[]>;
  bad: Set<number>;
  skipped: PreparedData['skipped'];
}

/** Decodes every input of the given rows; unreadable cells are errors, or skipped with `onError: 'skip'`. */
async function loadInputs(
  manifest: Manifest,
  rows: number[],
  inputs: InputSpec[],
  onError: 'error' | 'skip',
  emit: Emit,
  signal?: AbortSignal,
): Promise<LoadedInputs> {
  const file = path.relative(process.cwd(), manifest.file) || manifest.file;
  const baseDir = path.dirname(manifest.file);
  const loaders: LoadedInputs['loaders'] = [];
  for (const input of inputs) loaders.push({ ...input, loader: await findModality(input.modality).createLoader(input.preprocessing as never) });
  const skipped: PreparedData['skipped'] = [];
  const bad = new Set<number>();
  const byRow = new Map<string, (Float32Array | undefined)[]>();
  const total = rows.length * loaders.length;
  let progressBase = 0;
  emit({ type: 'data_progress', done: 0, total, detail: 'decoding' });
  for (const l of loaders) {
    const size = sizeOf(l.loader.shape);
    const results = await mapLimit(
      rows.length,
      8,
      async (k) => {
        if (signal?.aborted) throw signal.reason;
        const i = rows[k]!;
        const cell = (manifest.rows[i]![l.column] ?? '').trim();
        try {
          if (cell === '') throw new DecodeError('the value is missing', '');
          const x = await l.loader.load(cell, baseDir);
          if (x.length !== size) throw new DecodeError(`decoded ${x.length} values, expected ${size}`, cell);
          return x;
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          if (onError === 'skip') {
            bad.add(i);
            skipped.push({ row: i + 1, column: l.column, reason: `${err.message}${cell ? ` (${cell})` : ''}` });
            return undefined;
          }
          throw new DataError(
            `${err.message}${cell ? `: ${cell}` : ''}`,
            { file, line: manifest.lines[i]!, row: i + 1, column: l.column },
            cell ? `paths are relative to ${path.relative(process.cwd(), baseDir) || '.'}; set data.on_error: skip to leave such rows out` : 'fill the cell, or set data.on_error: skip',
          );
        }
      },
      (done) => {
        if (done % 100 === 0 || done === rows.length) emit({ type: 'data_progress', done: progressBase + done, total, detail: `decoding ${l.name}` });
      },
    );
    progressBase += rows.length;
    const column: (Float32Array | undefined)[] = new Array(manifest.rows.length);
    rows.forEach((i, k) => (column[i] = results[k]));
    byRow.set(l.name, column);
  }
  if (skipped.length) {
    emit({ type: 'log', level: 'warn', message: `skipped ${bad.size} row(s) with unreadable inputs (data.on_error: skip); first: row ${skipped[0]!.row} ${skipped[0]!.column}: ${skipped[0]!.reason}` });
  }
  return { loaders, byRow, bad, skipped };
}

/** Mean and standard deviation over every value of the given rows. */
function fitStandardization(byRow: (Float32Array | undefined)[], rows: number[]): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (const i of rows) {
    const x = byRow[i]!;
    for (let j = 0; j < x.length; j++) {
      sum += x[j]!;
      sq += x[j]! * x[j]!;
    }
    n += x.length;
  }
  const mean = n ? sum / n : 0;
  const std = Math.sqrt(Math.max(n ? sq / n - mean * mean : 0, 0)) || 1;
  return { mean, std };
}

/** Contiguous, normalised feature arrays for `rows`, in that order. */
function assemble(rows: number[], states: InputState[], byRow: Map<string, (Float32Array | undefined)[]>, labelOf: (row: number) => number): SplitData {
  const features: Record<string, Float32Array> = {};
  for (const s of states) {
    const size = sizeOf(s.shape);
    const out = new Float32Array(rows.length * size);
    const column = byRow.get(s.name)!;
    rows.forEach((i, k) => out.set(column[i]!, k * size));
    if (s.normalization.kind === 'standardize') {
      const { mean, std } = s.normalization;
      for (let j = 0; j < out.length; j++) out[j] = (out[j]! - mean) / std;
    }
    features[s.name] = out;
  }
  return { rows, features, labels: Int32Array.from(rows, labelOf) };
}

export async function prepareData(checked: CheckedConfig, emit: Emit = () => {}, signal?: AbortSignal): Promise<PreparedData> {
  const { config, manifest } = checked;
  const file = path.relative(process.cwd(), manifest.file) || manifest.file;
  const targetCol = config.target.column;
  const labels = manifest.rows.map((r) => (r[targetCol] ?? '').trim());
  const splits = assignSplits(manifest, config.data.split, labels, config.seed);
  const where = (i: number, column: string) => ({ file, line: manifest.lines[i]!, row: i + 1, column });

  for (const i of [...splits.train, ...splits.validation, ...splits.test]) {
    if (labels[i] === '') throw new DataError('the label is missing', where(i, targetCol), 'every row needs a value in the target column');
  }
  const classes = sortClasses(splits.train.map((i) => labels[i]!));
  if (classes.length < 2) {
    throw new DataError(`the training split has ${classes.length} class(es); classification needs at least 2`, { file, column: targetCol });
  }
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  for (const i of [...splits.validation, ...splits.test]) {
    if (!classIndex.has(labels[i]!)) {
      throw new DataError(`label '${labels[i]}' does not occur in the training split`, where(i, targetCol), 'the model can only predict classes it was trained on');
    }
  }

  const used = [...splits.train, ...splits.validation, ...splits.test];
  const specs = Object.entries(config.inputs).map(([name, input]) => ({ name, column: input.column, modality: input.type, preprocessing: input.preprocessing }));
  const loaded = await loadInputs(manifest, used, specs, config.data.on_error, emit, signal);

  const keep = (rows: number[]) => rows.filter((i) => !loaded.bad.has(i));
  const trainRows = keep(splits.train);
  const valRows = keep(splits.validation);
  const testRows = keep(splits.test);
  for (const [name, rows] of [['train', trainRows], ['validation', valRows], ['test', testRows]] as const) {
    if (rows.length === 0) throw new DataError(`the ${name} split has no usable rows left`, { file });
  }

  const states: InputState[] = loaded.loaders.map((l) => ({
    name: l.name,
    modality: l.modality,
    column: l.column,
    shape: l.loader.shape,
    preprocessing: l.preprocessing,
    normalization: l.loader.normalization === 'standardize' ? { kind: 'standardize', ...fitStandardization(loaded.byRow.get(l.name)!, trainRows) } : { kind: 'none' },
  }));
  const split = config.data.split;
  const labelOf = (i: number) => classIndex.get(labels[i]!)!;
  return {
    state: {
      version: 1,
      target: { column: targetCol, task: config.target.task, classes },
      inputs: states,
      split: split.column !== undefined ? { column: split.column, values: { train: split.train, validation: split.validation, test: split.test } } : {},
    },
    train: assemble(trainRows, states, loaded.byRow, labelOf),
    validation: assemble(valRows, states, loaded.byRow, labelOf),
    test: assemble(testRows, states, loaded.byRow, labelOf),
    dataHash: createHash('sha256').update(readFileSync(manifest.file)).digest('hex'),
    skipped: loaded.skipped,
    unassignedRows: splits.unassigned,
  };
}

/**
 * Features for new rows with a saved preprocessing state (same loaders, same normalisation). Labels are
 * read when the manifest has the target column (-1 where a cell is empty); a label the model never saw
 * is an error naming the row.
 */
export async function featuresFromState(
  manifest: Manifest,
  state: PreprocessingState,
  options: { rows?: number[]; onError?: 'error' | 'skip'; emit?: Emit; signal?: AbortSignal } = {},
): Promise<{ data: SplitData; hasLabels: boolean; skipped: PreparedData['skipped'] }> {
  const file = path.relative(process.cwd(), manifest.file) || manifest.file;
  for (const s of state.inputs) {
    if (!manifest.columns.includes(s.column)) {
      throw new DataError(`column '${s.column}' (input '${s.name}') is not in the manifest`, { file }, `the model reads the columns: ${state.inputs.map((i) => i.column).join(', ')}`);
    }
  }
  const rows = options.rows ?? manifest.rows.map((_, i) => i);
  const loaded = await loadInputs(manifest, rows, state.inputs, options.onError ?? 'error', options.emit ?? (() => {}), options.signal);
  const kept = rows.filter((i) => !loaded.bad.has(i));
  const target = state.target.column;
  const hasLabels = manifest.columns.includes(target);
  const classIndex = new Map(state.target.classes.map((c, i) => [c, i]));
  const labelOf = (i: number): number => {
    if (!hasLabels) return -1;
    const v = (manifest.rows[i]![target] ?? '').trim();
    if (v === '') return -1;
    const k = classIndex.get(v);
    if (k === undefined) {
      throw new DataError(`label '${v}' is not one of the model's classes (${state.target.classes.join(', ')})`, { file, line: manifest.lines[i]!, row: i + 1, column: target });
    }
    return k;
  };
  return { data: assemble(kept, state.inputs, loaded.byRow, labelOf), hasLabels, skipped: loaded.skipped };
}
