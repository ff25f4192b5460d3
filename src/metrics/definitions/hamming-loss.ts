import { defineMetric } from '../kit.js';

/** multilabel: the share of wrong label decisions. */
export default defineMetric({
  name: 'hamming_loss',
  label: 'Hamming loss',
  direction: 'min',
  range: [0, 1],
  compute: { multilabel: (x) => (x.examples * x.labels.length ? x.wrong / (x.examples * x.labels.length) : 0) },
});
