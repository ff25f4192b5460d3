/**
 * Turns a checked config into in-memory feature arrays: rows assigned to splits, labels indexed by the
 * classes seen in training, each input's files decoded (concurrently), normalisation fitted on the training
 * split only. Unreadable files are a DataError naming the row, column and path — or, with
 * `data.on_error: skip`, a counted warning.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckedConfig } from '../config/semantic.js';
import type { RunEvent } from '../train/events.js';
import { DecodeError } from './decode-error.js';
import { DataError } from './errors.js';
import { findModality } from './modalities/index.js';
import type { FeatureLoader } from './modalities/modality.js';
import { assignSplits } from './split.js';

export interface SplitData {
  /** manifest row index of each example */
  rows: number[];
  /** per input: examples × featureSize, row-major */
  features: Record<string, Float32Array>;
  /** class index of each example */
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

export async function prepareData(checked: CheckedConfig, emit: (e: RunEvent) => void = () => {}, signal?: AbortSignal): Promise<PreparedData> {
  const { config, manifest } = checked;
  const file = path.relative(process.cwd(), manifest.file) || manifest.file;
  const baseDir = path.dirname(manifest.file);
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

  // Load every input of every used row.
  const used = [...splits.train, ...splits.validation, ...splits.test];
  const inputs = Object.entries(config.inputs);
  const loaders: { name: string; column: string; modality: string; loader: FeatureLoader; preprocessing: unknown }[] = [];
  for (const [name, input] of inputs) {
    const modality = findModality(input.type);
    loaders.push({ name, column: input.column, modality: input.type, loader: await modality.createLoader(input.preprocessing as never), preprocessing: input.preprocessing });
  }
  const skipped: PreparedData['skipped'] = [];
  const bad = new Set<number>();
  const loaded = new Map<string, (Float32Array | undefined)[]>();
  const total = used.length * loaders.length;
  let progressBase = 0;
  emit({ type: 'data_progress', done: 0, total, detail: 'decoding' });
  for (const l of loaders) {
    const size = sizeOf(l.loader.shape);
    const results = await mapLimit(
      used.length,
      8,
      async (k) => {
        if (signal?.aborted) throw signal.reason;
        const i = used[k]!;
        const cell = (manifest.rows[i]![l.column] ?? '').trim();
        try {
          if (cell === '') throw new DecodeError('the value is missing', '');
          const x = await l.loader.load(cell, baseDir);
          if (x.length !== size) throw new DecodeError(`decoded ${x.length} values, expected ${size}`, cell);
          return x;
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          if (config.data.on_error === 'skip') {
            bad.add(i);
            skipped.push({ row: i + 1, column: l.column, reason: `${err.message}${cell ? ` (${cell})` : ''}` });
            return undefined;
          }
          throw new DataError(
            `${err.message}${cell ? `: ${cell}` : ''}`,
            where(i, l.column),
            cell ? `paths are relative to ${path.relative(process.cwd(), baseDir) || '.'}; set data.on_error: skip to leave such rows out` : 'fill the cell, or set data.on_error: skip',
          );
        }
      },
      (done) => {
        if (done % 100 === 0 || done === used.length) emit({ type: 'data_progress', done: progressBase + done, total, detail: `decoding ${l.name}` });
      },
    );
    progressBase += used.length;
    const byRow: (Float32Array | undefined)[] = new Array(manifest.rows.length);
    used.forEach((i, k) => (byRow[i] = results[k]));
    loaded.set(l.name, byRow);
  }
  if (skipped.length) {
    emit({ type: 'log', level: 'warn', message: `skipped ${bad.size} row(s) with unreadable inputs (data.on_error: skip); first: row ${skipped[0]!.row} ${skipped[0]!.column}: ${skipped[0]!.reason}` });
  }

  const keep = (rows: number[]) => rows.filter((i) => !bad.has(i));
  const trainRows = keep(splits.train);
  const valRows = keep(splits.validation);
  const testRows = keep(splits.test);
  for (const [name, rows] of [['train', trainRows], ['validation', valRows], ['test', testRows]] as const) {
    if (rows.length === 0) throw new DataError(`the ${name} split has no usable rows left`, { file });
  }

  const states: InputState[] = [];
  for (const l of loaders) {
    const byRow = loaded.get(l.name)!;
    let normalization: InputState['normalization'] = { kind: 'none' };
    if (l.loader.normalization === 'standardize') {
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (const i of trainRows) {
        const x = byRow[i]!;
        for (let j = 0; j < x.length; j++) {
          sum += x[j]!;
          sq += x[j]! * x[j]!;
        }
        n += x.length;
      }
      const mean = sum / n;
      const std = Math.sqrt(Math.max(sq / n - mean * mean, 0)) || 1;
      normalization = { kind: 'standardize', mean, std };
    }
    states.push({ name: l.name, modality: l.modality, column: l.column, shape: l.loader.shape, preprocessing: l.preprocessing, normalization });
  }

  const build = (rows: number[]): SplitData => {
    const features: Record<string, Float32Array> = {};
    for (const s of states) {
      const size = sizeOf(s.shape);
      const out = new Float32Array(rows.length * size);
      const byRow = loaded.get(s.name)!;
      rows.forEach((i, k) => out.set(byRow[i]!, k * size));
      if (s.normalization.kind === 'standardize') {
        const { mean, std } = s.normalization;
        for (let j = 0; j < out.length; j++) out[j] = (out[j]! - mean) / std;
      }
      features[s.name] = out;
    }
    return { rows, features, labels: Int32Array.from(rows, (i) => classIndex.get(labels[i]!)!) };
  };

  return {
    state: { version: 1, target: { column: targetCol, task: config.target.task, classes }, inputs: states },
    train: build(trainRows),
    validation: build(valRows),
    test: build(testRows),
    dataHash: createHash('sha256').update(readFileSync(manifest.file)).digest('hex'),
    skipped,
    unassignedRows: splits.unassigned,
  };
}
