import { defineMetric } from '../kit.js';

/** multilabel: the share of examples whose every label is right. */
export default defineMetric({
  name: 'subset_accuracy',
  label: 'Subset accuracy',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['multilabel'],
  compute: { multilabel: (x) => (x.examples ? x.exact / x.examples : 0) },
});
