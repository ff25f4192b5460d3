import { defineMetric, type LabelInput } from '../kit.js';

/** Share of examples whose predicted class is the true one. */
const accuracy = (x: LabelInput): number => {
  let correct = 0;
  for (let c = 0; c < x.classes.length; c++) correct += x.counts.tp[c]!;
  return x.truth.length ? correct / x.truth.length : 0;
};

export default defineMetric({
  name: 'accuracy',
  label: 'Accuracy',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['classification', 'binary'],
  always: ['classification', 'binary'],
  compute: { classification: accuracy, binary: accuracy },
});
