/**
 * What the metrics of each task are computed from, for one split — decisions already made (the arg-max class,
 * the thresholded labels, values in the target's units) and the counts most metrics share, counted once in
 * O(examples + classes). Building them is evaluate's job; the definitions only read them.
 */

/** Per class: true positives, examples of the class (support) and examples predicted as it. */
export interface ClassCounts {
  readonly tp: Float64Array;
  readonly support: Float64Array;
  readonly predicted: Float64Array;
}

/** classification: one class per example. */
export interface LabelInput {
  /** the true class index of each example */
  readonly truth: ArrayLike<number>;
  /** the predicted class index of each example */
  readonly predicted: ArrayLike<number>;
  readonly classes: readonly string[];
  readonly counts: ClassCounts;
}

/** binary: class 1 is the positive class; `scores` its predicted probability per example. */
export interface BinaryInput extends LabelInput {
  readonly scores: ArrayLike<number>;
}

/** multilabel: examples × labels decisions (0/1), row-major. */
export interface MultilabelInput {
  readonly truth: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
  readonly labels: readonly string[];
  /** per label: true positives, false positives, false negatives */
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly fn: Float64Array;
  /** examples whose every label is right */
  readonly exact: number;
  /** wrong label decisions, over all examples and labels */
  readonly wrong: number;
  readonly examples: number;
}

/** regression: values in the target's units. */
export interface RegressionInput {
  readonly truth: ArrayLike<number>;
  readonly predicted: ArrayLike<number>;
}

export interface MetricInputs {
  classification: LabelInput;
  binary: BinaryInput;
  multilabel: MultilabelInput;
  regression: RegressionInput;
}

export function classCounts(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): ClassCounts {
  const tp = new Float64Array(numClasses);
  const support = new Float64Array(numClasses);
  const pred = new Float64Array(numClasses);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    support[t]! += 1;
    pred[p]! += 1;
    if (t === p) tp[t]! += 1;
  }
  return { tp, support, predicted: pred };
}

export function labelInput(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: readonly string[]): LabelInput {
  return { truth, predicted, classes, counts: classCounts(truth, predicted, classes.length) };
}

export function multilabelInput(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly string[]): MultilabelInput {
  const k = labels.length;
  const examples = k ? truth.length / k : 0;
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  let exact = 0;
  let wrong = 0;
  for (let i = 0; i < examples; i++) {
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
  return { truth, predicted, labels, tp, fp, fn, exact, wrong, examples };
}

/** F1 from counts: 2tp / (2tp + fp + fn), 0 when there is nothing to count. */
export const f1Of = (tp: number, fp: number, fn: number): number => (2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0);

export const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : 0;
};

/** Per class precision, recall and F1 (0 where undefined), from the counts. */
export function classScores(counts: ClassCounts, c: number): { precision: number; recall: number; f1: number } {
  const tp = counts.tp[c]!;
  const predicted = counts.predicted[c]!;
  const support = counts.support[c]!;
  const precision = predicted ? tp / predicted : 0;
  const recall = support ? tp / support : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** regression: the mean squared error (0 without examples). */
export function squaredErrorMean(x: RegressionInput): number {
  let se = 0;
  for (let i = 0; i < x.truth.length; i++) {
    const e = x.predicted[i]! - x.truth[i]!;
    se += e * e;
  }
  return x.truth.length ? se / x.truth.length : 0;
}
