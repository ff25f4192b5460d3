import { defineMetric, type LabelInput } from '../kit.js';

/**
 * The mean recall over the classes that occur in the truth (scikit-learn's balanced_accuracy_score): on
 * imbalanced data a model that always predicts the majority class scores 1/classes, not the majority's share.
 * A class that is only predicted has no recall and is left out.
 */
const balancedAccuracy = (x: LabelInput): number => {
  let sum = 0;
  let present = 0;
  for (let c = 0; c < x.classes.length; c++) {
    const support = x.counts.support[c]!;
    if (support === 0) continue;
    sum += x.counts.tp[c]! / support;
    present += 1;
  }
  return present ? sum / present : 0;
};

export default defineMetric({
  name: 'balanced_accuracy',
  label: 'Balanced accuracy',
  direction: 'max',
  range: [0, 1],
  compute: { classification: balancedAccuracy, binary: balancedAccuracy },
});
