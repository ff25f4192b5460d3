import { classScores, defineMetric } from '../kit.js';

/** classification: the per-class F1 weighted by each class's support. */
export default defineMetric({
  name: 'weighted_f1',
  label: 'Weighted F1',
  direction: 'max',
  range: [0, 1],
  compute: {
    classification: (x) => {
      let total = 0;
      let weighted = 0;
      for (let c = 0; c < x.classes.length; c++) {
        total += x.counts.support[c]!;
        weighted += classScores(x.counts, c).f1 * x.counts.support[c]!;
      }
      return total ? weighted / total : 0;
    },
  },
});
