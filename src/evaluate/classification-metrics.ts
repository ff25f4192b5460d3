/**
 * Classification metrics from true and predicted class indices: accuracy, macro-F1, per class, confusion.
 * Everything is counted in one pass over the examples (O(examples + classes)); the dense confusion matrix is
 * kept only up to DENSE_CONFUSION_MAX_CLASSES classes (10,000 classes would be 10⁸ cells). Above that the
 * result holds its non-zero cells (`confusionCells`): never more than there are examples.
 */
import type { EvaluationResult, PerClass } from '../core/run-events.js';
import { classCounts, type ClassCounts } from '../metrics/inputs.js';
import { computeMetrics } from '../metrics/registry.js';

/** Classes up to which the confusion matrix is kept (and written) dense: 200² = 40,000 cells. */
export const DENSE_CONFUSION_MAX_CLASSES = 200;

export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]!]![predicted[i]!]! += 1;
  return m;
}

/** The non-zero cells `[true, predicted, count]` of the confusion matrix, by true then predicted class. */
export function confusionCells(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): [number, number, number][] {
  const counts = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const key = truth[i]! * numClasses + predicted[i]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, count]): [number, number, number] => [Math.floor(key / numClasses), key % numClasses, count]);
}

/** The counts of a dense confusion matrix (what callers holding one already use). */
export function countsOfMatrix(confusion: readonly (readonly number[])[]): ClassCounts {
  const k = confusion.length;
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predicted = new Float64Array(k);
  confusion.forEach((row, t) =>
    row.forEach((v, p) => {
      support[t]! += v;
      predicted[p]! += v;
      if (t === p) tp[t]! += v;
    }),
  );
  return { tp, support, predicted };
}

export function perClassFromCounts(counts: ClassCounts, labels: readonly string[]): PerClass[] {
  return labels.map((label, c) => {
    const tp = counts.tp[c]!;
    const support = counts.support[c]!;
    const predicted = counts.predicted[c]!;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
}

export function perClassScores(confusion: number[][], labels: string[]): PerClass[] {
  return perClassFromCounts(countsOfMatrix(confusion), labels);
}

/** Metrics for one split; `metrics` holds accuracy, every requested classification metric, and loss when given. */
export function classificationReport(
  split: string,
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: string[],
  requested: readonly string[],
  loss?: number,
): EvaluationResult {
  const k = labels.length;
  const counts = classCounts(truth, predicted, k);
  const perClass = perClassFromCounts(counts, labels);
  // loss, accuracy, then the requested metrics classification computes (src/metrics/)
  const metrics = computeMetrics('classification', { truth, predicted, classes: labels, counts }, requested, loss);
  if (k <= DENSE_CONFUSION_MAX_CLASSES) return { split, metrics, perClass, labels, confusion: confusionMatrix(truth, predicted, k) };
  return { split, metrics, perClass, labels, confusion: [], confusionCells: confusionCells(truth, predicted, k) };
}
