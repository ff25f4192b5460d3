import { classScores, defineMetric } from '../kit.js';

/** binary: of the positive examples, the share predicted positive. */
export default defineMetric({
  name: 'recall',
  label: 'Recall',
  direction: 'max',
  range: [0, 1],
  compute: { binary: (x) => classScores(x.counts, 1).recall },
});
