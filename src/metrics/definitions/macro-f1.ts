import { classScores, defineMetric, f1Of, mean, type LabelInput } from '../kit.js';

/** The mean F1 over the classes present in truth or predictions, as scikit-learn. */
const overClasses = (x: LabelInput): number => {
  const f1s: number[] = [];
  for (let c = 0; c < x.classes.length; c++)
    if (x.counts.support[c]! > 0 || x.counts.predicted[c]! > 0) f1s.push(classScores(x.counts, c).f1);
  return mean(f1s);
};

/**
 * classification, binary: the mean per-class F1 (classes present in truth or predictions, as scikit-learn);
 * multilabel: the mean over every label, 0 for a label never true nor predicted (scikit-learn's zero_division=0).
 */
export default defineMetric({
  name: 'macro_f1',
  label: 'Macro F1',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['classification', 'multilabel'],
  compute: {
    classification: overClasses,
    binary: overClasses,
    multilabel: (x) => mean(x.labels.map((_, j) => f1Of(x.tp[j]!, x.fp[j]!, x.fn[j]!))),
  },
});
