/**
 * A split's evaluation from the model's outputs: the decisions each task makes from them, then the requested
 * metrics (computed by the metric registry, src/metrics/: one definition per metric), and the report around them.
 *
 * - classification: the arg-max class; per-class scores and the confusion matrix.
 * - binary: the positive class is predicted when p ≥ `threshold`; per-class scores, the 2×2 confusion matrix,
 *   precision/recall/F1 over a grid of thresholds (`thresholds`), and the ROC and precision–recall curves with
 *   their AUC and average precision (`curves`).
 * - multilabel: a label is predicted when its p ≥ `threshold`; per-label scores.
 * - regression: values in the target's original units (the model's standardised outputs are mapped back with
 *   the training statistics).
 *
 * `loss` is the task's plain loss — cross-entropy, binary cross-entropy (mean over labels), MSE or Huber on the
 * standardised target — without label smoothing or class weights.
 */
import type { SplitData, TargetState } from '../data/dataset.js';
import type { EvaluationResult, PerClass, ThresholdRow } from '../core/run-events.js';
import { classificationReport } from './classification-metrics.js';
import { CLIP } from '../model/heads/tasks.js';
import { binaryCurves } from './curves.js';
import { f1Of, labelInput, multilabelInput } from '../metrics/inputs.js';
import { computeMetrics } from '../metrics/registry.js';

export interface TaskEvaluation {
  result: EvaluationResult;
  /** per example: the predicted class (classification, binary), else 0 */
  predicted: Int32Array;
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

/** Multilabel metrics from 0/1 truth and predictions (n × k, row-major), and the per-label scores. */
export function multilabelMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: string[],
  requested: readonly string[] = ['micro_f1', 'macro_f1', 'subset_accuracy', 'hamming_loss'],
  loss?: number,
): { metrics: Record<string, number>; perClass: PerClass[] } {
  const input = multilabelInput(truth, predicted, labels);
  const perClass: PerClass[] = labels.map((label, j) => {
    const [tp, fp, fn] = [input.tp[j]!, input.fp[j]!, input.fn[j]!];
    return { label, precision: tp + fp ? tp / (tp + fp) : 0, recall: tp + fn ? tp / (tp + fn) : 0, f1: f1Of(tp, fp, fn), support: tp + fn };
  });
  return { metrics: computeMetrics('multilabel', input, requested, loss), perClass };
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

/**
 * Evaluates `outputs` (n × output units, what the model predicted) against a split whose rows all have labels.
 * `requested`: the metrics to report (besides loss, and those the task always reports: src/metrics/).
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
      const report = classificationReport(split, data.labels, predicted, classes, requested, loss);
      const metrics = computeMetrics('classification', labelInput(data.labels, predicted, classes), requested, loss);
      return { result: { ...report, metrics, examples: n }, predicted };
    }
    case 'binary': {
      const threshold = target.threshold ?? 0.5;
      const scores = outputs.subarray(0, n);
      const predicted = Int32Array.from(scores, (p) => (p >= threshold ? 1 : 0));
      const report = classificationReport(split, data.labels, predicted, classes, requested, loss);
      const metrics = computeMetrics('binary', { ...labelInput(data.labels, predicted, classes), scores }, requested, loss);
      const curves = binaryCurves(data.labels, scores);
      return {
        result: {
          ...report,
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
      const { metrics, perClass } = multilabelMetrics(data.targets, decisions, classes, requested, loss);
      return { result: { split, metrics, perClass, labels: [], confusion: [], examples: n, threshold }, predicted: new Int32Array(n) };
    }
    default: {
      const metrics = computeMetrics('regression', regressionValues(target, data.targets, outputs), requested, loss);
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
