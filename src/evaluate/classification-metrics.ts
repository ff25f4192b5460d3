/** Classification metrics from true and predicted class indices: accuracy, macro-F1, per class, confusion. */
import type { EvaluationResult, PerClass } from '../train/events.js';

export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]!]![predicted[i]!]! += 1;
  return m;
}

export function perClassScores(confusion: number[][], labels: string[]): PerClass[] {
  return labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
}

/** Metrics for one split; `metrics` holds every requested metric plus loss when given. */
export function classificationReport(
  split: string,
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: string[],
  requested: readonly string[],
  loss?: number,
): EvaluationResult {
  const confusion = confusionMatrix(truth, predicted, labels.length);
  const perClass = perClassScores(confusion, labels);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct += 1;
  const all: Record<string, number> = {
    accuracy: truth.length ? correct / truth.length : 0,
    // macro-F1 over the classes present in truth or predictions, as scikit-learn does by default
    macro_f1: mean(perClass.filter((p) => p.support > 0 || confusion.some((row) => row[labels.indexOf(p.label)]! > 0)).map((p) => p.f1)),
  };
  const metrics: Record<string, number> = {};
  if (loss !== undefined) metrics.loss = loss;
  for (const m of new Set(['accuracy', ...requested])) if (m in all) metrics[m] = all[m]!;
  return { split, metrics, perClass, labels, confusion };
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
