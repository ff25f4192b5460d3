/**
 * The target: what a run learns about it from the training split (classes, the binary positive class, multilabel
 * labels, regression statistics, the loss options) and the encoder that turns a label cell into a class index and
 * a training target row — for training data (every row labelled) and for prediction (empty cells allowed).
 */
import type { CheckedConfig } from '../experiment/semantic.js';
import { suggestion } from '../config/did-you-mean.js';
import { ConfigError } from '../config/issues.js';
import { DataError } from './errors.js';
import type { TargetState } from './preprocessing-state.js';

/** Sorted class names: numerically when every label is a number, else lexicographically. */
export function sortClasses(values: Iterable<string>): string[] {
  const list = [...new Set(values)];
  const numeric = list.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

/** Turns a manifest row's label cell into the class index and the training target (see `targetEncoder`). */
export interface TargetEncoder {
  width: number;
  /** class index (classification, binary), 0 (other tasks), -1 (no label); fills `out` (NaN when no label) */
  encode(row: number, out: Float32Array): number;
}

export type Where = (row: number, column: string) => { file: string; line: number; row: number; column: string };

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
export function fitTarget(checked: CheckedConfig, labels: readonly string[], splits: { train: number[] }, where: Where): TargetState {
  const t = checked.config.target;
  const fit: TargetFit = {
    checked,
    labels,
    train: splits.train,
    where,
    file: checked.manifest.file,
    base: { column: t.column, task: t.task },
  };
  switch (t.task) {
    case 'classification':
    case 'binary':
      return classTarget(fit);
    case 'multilabel':
      return multilabelTarget(fit);
    case 'regression':
      return regressionTarget(fit);
  }
}

/** What fitting the target reads: the config, every row's label cell, the training rows, and how to name a cell. */
interface TargetFit {
  checked: CheckedConfig;
  labels: readonly string[];
  train: number[];
  where: Where;
  file: string;
  base: Pick<TargetState, 'column' | 'task'>;
}

/** A ConfigError at a config path (target.class_weight, target.positive_class), with its position. */
function configIssue(checked: CheckedConfig, p: (string | number)[], message: string, hint?: string): ConfigError {
  return new ConfigError([
    { ...(checked.sources.locate(p) ?? { file: checked.file }), path: p.join('.'), message, ...(hint ? { hint } : {}) },
  ]);
}

/** classification, binary: the classes of the training split (binary: [negative, positive]) and the loss options. */
function classTarget(fit: TargetFit): TargetState {
  const t = fit.checked.config.target;
  const { file, base } = fit;
  const column = base.column;
  const trainLabels = fit.train.map((i) => fit.labels[i]!);
  let classes = sortClasses(trainLabels);
  if (classes.length < 2)
    throw new DataError(
      `the training split has ${classes.length} class(es); ${t.task} needs ${t.task === 'binary' ? 'exactly' : 'at least'} 2`,
      { file, column },
    );
  if (t.task === 'binary') classes = binaryClasses(fit, classes);
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = new Array<number>(classes.length).fill(0);
  for (const l of trainLabels) counts[index.get(l)!]! += 1;
  return {
    ...base,
    classes,
    ...(t.task === 'binary' ? { threshold: t.threshold ?? 0.5 } : {}),
    ...lossOptions(fit, classes, (c) => counts[c]!),
  };
}

/** binary: exactly two classes, ordered [negative, positive] (target.positive_class, or an English yes-word). */
function binaryClasses(fit: TargetFit, classes: string[]): string[] {
  const t = fit.checked.config.target;
  if (classes.length > 2) {
    const shown = classes
      .slice(0, 6)
      .map((c) => `'${c}'`)
      .join(', ');
    throw new DataError(
      `the training split has ${classes.length} classes (${shown}${classes.length > 6 ? ', ...' : ''}); binary needs exactly 2`,
      { file: fit.file, column: fit.base.column },
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
      fit.checked,
      ['target', 'positive_class'],
      `'${positive}' is not one of the two labels (${classes.join(', ')})`,
      suggestion(positive, classes),
    );
  return [classes.find((c) => c !== positive)!, positive];
}

/** Label smoothing and class weights (balanced: by the training split's counts). */
function lossOptions(
  fit: TargetFit,
  classes: string[],
  counts: (c: number) => number,
): Pick<TargetState, 'classWeights' | 'labelSmoothing'> {
  const t = fit.checked.config.target;
  const out: Pick<TargetState, 'classWeights' | 'labelSmoothing'> = {};
  if (t.label_smoothing) out.labelSmoothing = t.label_smoothing;
  const cw = t.class_weight;
  if (cw === 'balanced') {
    const n = fit.train.length;
    out.classWeights = classes.map((_, c) => (counts(c) ? n / (classes.length * counts(c)) : 1));
  } else if (cw) {
    for (const key of Object.keys(cw)) {
      if (!classes.includes(key))
        throw configIssue(
          fit.checked,
          ['target', 'class_weight', key],
          `class '${key}' does not occur in the training split`,
          suggestion(key, classes, 'one of the classes'),
        );
    }
    out.classWeights = classes.map((c) => cw[c] ?? 1);
  }
  return out;
}

/** multilabel: every label the training split's cells list. */
function multilabelTarget(fit: TargetFit): TargetState {
  const t = fit.checked.config.target;
  const column = fit.base.column;
  const delimiter = t.delimiter ?? '|';
  const seen: string[] = [];
  for (const i of fit.train) {
    const list = splitLabelList(fit.labels[i]!, delimiter);
    if (list.length === 0)
      throw new DataError(
        'the label list is empty',
        fit.where(i, column),
        `a multilabel cell lists one or more labels separated by '${delimiter}'`,
      );
    seen.push(...list);
  }
  const classes = sortClasses(seen);
  if (classes.length < 2)
    throw new DataError(
      `the training split has ${classes.length} label(s); multilabel needs at least 2`,
      { file: fit.file, column },
      `labels are separated by '${delimiter}' (target.delimiter)`,
    );
  return { ...fit.base, classes, threshold: t.threshold ?? 0.5, delimiter };
}

/** regression: the training split's mean and standard deviation (the target's standardisation) and the loss. */
function regressionTarget(fit: TargetFit): TargetState {
  const t = fit.checked.config.target;
  let sum = 0;
  let sq = 0;
  for (const i of fit.train) {
    const v = parseTargetNumber(fit.labels[i]!, i, fit.base.column, fit.where);
    sum += v;
    sq += v * v;
  }
  const n = fit.train.length;
  const mean = n ? sum / n : 0;
  const std = Math.sqrt(Math.max(n ? sq / n - mean * mean : 0, 0)) || 1;
  const normalization = (t.normalize ?? 'standard') === 'standard' ? { mean, std } : { mean: 0, std: 1 };
  return {
    ...fit.base,
    classes: [],
    normalization,
    loss: t.loss ?? 'mse',
    ...(t.loss === 'huber' ? { huberDelta: t.huber_delta ?? 1 } : {}),
  };
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
