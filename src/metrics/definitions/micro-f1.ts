import { defineMetric, f1Of, type MultilabelInput } from '../kit.js';

const sum = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0);

/** multilabel: F1 over every label decision at once. */
export default defineMetric({
  name: 'micro_f1',
  label: 'Micro F1',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['multilabel'],
  compute: { multilabel: (x: MultilabelInput) => f1Of(sum(x.tp), sum(x.fp), sum(x.fn)) },
});
