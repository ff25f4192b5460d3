import { classScores, defineMetric } from '../kit.js';

/** binary: the harmonic mean of the positive class's precision and recall. */
export default defineMetric({
  name: 'f1',
  label: 'F1',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['binary'],
  compute: { binary: (x) => classScores(x.counts, 1).f1 },
});
