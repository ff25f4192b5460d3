import { classScores, defineMetric } from '../kit.js';

/** binary: of the examples predicted positive, the share that is positive. */
export default defineMetric({
  name: 'precision',
  label: 'Precision',
  direction: 'max',
  range: [0, 1],
  compute: { binary: (x) => classScores(x.counts, 1).precision },
});
