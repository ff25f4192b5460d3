/**
 * Metrics of every task from the model's outputs and a split's targets.
 *
 * - classification: accuracy, macro_f1 (classes present in truth or predictions, as scikit-learn), weighted_f1
 *   (support-weighted); per-class scores and the confusion matrix.
 * - binary: the positive class is predicted when p ≥ `threshold`; accuracy, precision, recall, f1 (of the
 *   positive class), macro_f1 (both classes), roc_auc (Mann–Whitney, ties count one half); per-class scores,
 *   the 2×2 confusion matrix, precision/recall/F1 over a grid of thresholds (`thresholds`), and the ROC and
 *   precision–recall curves with their AUC and average precision (`curves`).
 * - multilabel: a label is predicted when its p ≥ `threshold`; micro_f1 (over all label decisions), macro_f1
 *   (mean over every label, 0 for a label never true nor predicted, as scikit-learn's zero_division=0),
 *   subset_accuracy (every label right), hamming_loss (share of wrong label decisions); per-label scores.
 * - regression: mae, rmse, mse, r2 (1 − SS_res/SS_tot) in the target's original units (the model's
 *   standardised outputs are mapped back with the training statistics).
 *
 * `loss` is the task's plain loss — cross-entropy, binary cross-entropy (mean over labels), MSE or Huber on the
 * standardised target — without label smoothing or class weights.
 */
import type { SplitData, TargetState } from '../data/dataset.js';
import type { EvaluationResult, PerClass, ThresholdRow } from '../core/run-events.js';
import { classificationReport } from './classification-metrics.js';
import { CLIP } from '../model/heads/tasks.js';
import { binaryCurves } from './curves.js';

export interface TaskEvaluation {
  result: EvaluationResult;
  /** per example: the predicted class (classification, binary), else 0 */
  predicted: Int32Array;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const f1Of = (tp: number, fp: number, fn: number): number => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);

/** ROC AUC: the probability that a random positive scores above a random negative (ties: one half). NaN without both. */
export function rocAuc(truth: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = truth.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && scores[idx[e + 1]!] === scores[idx[s]!]) e++;
    const avgRank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++)
      if (truth[idx[k]!]! > 0.5) {
        rankSumPos += avgRank;
        nPos += 1;
      }
    s = e + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** The plain loss of the task over a split (mean per example). */
export function taskLossValue(target: TargetState, outputs: Float32Array, targets: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  if (n === 0) return 0;
  // targets and outputs have the same width (classification reads only the class index)
  const width = outputs.length / n;
  let sum = 0;
  const log = (p: number): number => Math.log(Math.min(Math.max(p, CLIP), 1 - CLIP));
  for (let i = 0; i < n; i++) {
    switch (target.task) {
      case 'classification':
        sum -= log(outputs[i * width + labels[i]!]!);
        break;
      case 'binary':
      case 'multilabel': {
        let s = 0;
        for (let j = 0; j < width; j++) {
          const y = targets[i * width + j]!;
          const p = outputs[i * width + j]!;
          s -= y * log(p) + (1 - y) * log(1 - p);
        }
        sum += s / width;
        break;
      }
      default: {
        const e = Math.abs(outputs[i]! - targets[i]!);
        const d = target.huberDelta ?? 1;
        sum += target.loss === 'huber' ? (e <= d ? 0.5 * e * e : d * (e - 0.5 * d)) : e * e;
      }
    }
  }
  return sum / n;
}

/** Regression metrics in original units. */
export function regressionMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
): { mae: number; mse: number; rmse: number; r2: number } {
  const n = truth.length;
  let ae = 0;
  let se = 0;
  let ySum = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - truth[i]!;
    ae += Math.abs(e);
    se += e * e;
    ySum += truth[i]!;
  }
  const yMean = n ? ySum / n : 0;
  let tot = 0;
  for (let i = 0; i < n; i++) tot += (truth[i]! - yMean) ** 2;
  const mse = n ? se / n : 0;
  return { mae: n ? ae / n : 0, mse, rmse: Math.sqrt(mse), r2: tot > 0 ? 1 - se / tot : NaN };
}

/** Multilabel metrics from 0/1 truth and predictions (n × k, row-major). */
export function multilabelMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: string[],
): { metrics: Record<string, number>; perClass: PerClass[] } {
  const k = labels.length;
  const n = k ? truth.length / k : 0;
  const tp = new Array<number>(k).fill(0);
  const fp = new Array<number>(k).fill(0);
  const fn = new Array<number>(k).fill(0);
  let exact = 0;
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    let allRight = true;
    for (let j = 0; j < k; j++) {
      const y = truth[i * k + j]! > 0.5;
      const p = predicted[i * k + j]! > 0.5;
      if (y && p) tp[j]! += 1;
      else if (p) fp[j]! += 1;
      else if (y) fn[j]! += 1;
      if (y !== p) {
        allRight = false;
        wrong += 1;
      }
    }
    if (allRight) exact += 1;
  }
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const perClass: PerClass[] = labels.map((label, j) => {
    const precision = tp[j]! + fp[j]! ? tp[j]! / (tp[j]! + fp[j]!) : 0;
    const recall = tp[j]! + fn[j]! ? tp[j]! / (tp[j]! + fn[j]!) : 0;
    return { label, precision, recall, f1: f1Of(tp[j]!, fp[j]!, fn[j]!), support: tp[j]! + fn[j]! };
  });
  return {
    metrics: {
      micro_f1: f1Of(sum(tp), sum(fp), sum(fn)),
      macro_f1: mean(perClass.map((p) => p.f1)),
      subset_accuracy: n ? exact / n : 0,
      hamming_loss: n * k ? wrong / (n * k) : 0,
    },
    perClass,
  };
}

/** Precision, recall and F1 of the positive class at thresholds 0.05, 0.10, ..., 0.95. */
export function thresholdTable(truth: ArrayLike<number>, scores: ArrayLike<number>): ThresholdRow[] {
  const rows: ThresholdRow[] = [];
  for (let t = 1; t < 20; t++) {
    const threshold = t / 20;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < truth.length; i++) {
      const p = scores[i]! >= threshold;
      const y = truth[i]! > 0.5;
      if (p && y) tp++;
      else if (p) fp++;
      else if (y) fn++;
    }
    rows.push({ threshold, precision: tp + fp ? tp / (tp + fp) : 0, recall: tp + fn ? tp / (tp + fn) : 0, f1: f1Of(tp, fp, fn) });
  }
  return rows;
}

const pick = (all: Record<string, number>, keys: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of keys) if (m in all) out[m] = all[m]!;
  return out;
};

/**
 * Evaluates `outputs` (n × output units, what the model predicted) against a split whose rows all have labels.
 * `requested`: the metrics to report (besides loss, and accuracy for classification/binary).
 */
export function evaluateTask(
  split: string,
  target: TargetState,
  data: Pick<SplitData, 'labels' | 'targets'>,
  outputs: Float32Array,
  requested: readonly string[],
): TaskEvaluation {
  const n = data.labels.length;
  const loss = taskLossValue(target, outputs, data.targets, data.labels);
  const classes = target.classes;
  switch (target.task) {
    case 'classification': {
      const k = classes.length;
      const predicted = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (outputs[i * k + c]! > outputs[i * k + best]!) best = c;
        predicted[i] = best;
      }
      const result = classificationReport(split, data.labels, predicted, classes, requested, loss);
      if (requested.includes('weighted_f1')) {
        const total = result.perClass.reduce((a, p) => a + p.support, 0);
        result.metrics.weighted_f1 = total ? result.perClass.reduce((a, p) => a + p.f1 * p.support, 0) / total : 0;
      }
      return { result: { ...result, examples: n }, predicted };
    }
    case 'binary': {
      const threshold = target.threshold ?? 0.5;
      const predicted = Int32Array.from(outputs.subarray(0, n), (p) => (p >= threshold ? 1 : 0));
      const base = classificationReport(split, data.labels, predicted, classes, ['accuracy', 'macro_f1'], loss);
      const pos = base.perClass[1]!;
      const all: Record<string, number> = {
        loss,
        accuracy: base.metrics.accuracy!,
        precision: pos.precision,
        recall: pos.recall,
        f1: pos.f1,
        roc_auc: rocAuc(data.labels, outputs),
        macro_f1: base.metrics.macro_f1!,
      };
      const metrics = pick(all, ['loss', 'accuracy', ...requested]);
      const curves = binaryCurves(data.labels, outputs.subarray(0, n));
      return {
        result: {
          ...base,
          metrics,
          examples: n,
          threshold,
          thresholds: thresholdTable(data.labels, outputs),
          ...(curves ? { curves } : {}),
        },
        predicted,
      };
    }
    case 'multilabel': {
      const threshold = target.threshold ?? 0.5;
      const decisions = Float32Array.from(outputs, (p) => (p >= threshold ? 1 : 0));
      const m = multilabelMetrics(data.targets, decisions, classes);
      const metrics = pick({ loss, ...m.metrics }, ['loss', ...requested]);
      return {
        result: { split, metrics, perClass: m.perClass, labels: [], confusion: [], examples: n, threshold },
        predicted: new Int32Array(n),
      };
    }
    default: {
      const { truth, predicted } = regressionValues(target, data.targets, outputs);
      const metrics = pick({ loss, ...regressionMetrics(truth, predicted) }, ['loss', ...requested]);
      return { result: { split, metrics, perClass: [], labels: [], confusion: [], examples: n }, predicted: new Int32Array(n) };
    }
  }
}

/** Standardised regression targets and outputs mapped back to the target's units. */
export function regressionValues(
  target: TargetState,
  targets: Float32Array,
  outputs: Float32Array,
): { truth: Float64Array; predicted: Float64Array } {
  const { mean: mu, std } = target.normalization ?? { mean: 0, std: 1 };
  return {
    truth: Float64Array.from(targets, (v) => v * std + mu),
    predicted: Float64Array.from(outputs.subarray(0, targets.length), (v) => v * std + mu),
  };
}
