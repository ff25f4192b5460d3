import { defineMetric } from '../kit.js';

/** regression: the coefficient of determination, 1 − SS_res / SS_tot (NaN when every true value is the same). */
export default defineMetric({
  name: 'r2',
  label: 'R²',
  direction: 'max',
  range: [-Infinity, 1],
  defaultFor: ['regression'],
  compute: {
    regression: (x) => {
      const n = x.truth.length;
      let ySum = 0;
      let se = 0;
      for (let i = 0; i < n; i++) {
        ySum += x.truth[i]!;
        const e = x.predicted[i]! - x.truth[i]!;
        se += e * e;
      }
      const yMean = n ? ySum / n : 0;
      let tot = 0;
      for (let i = 0; i < n; i++) tot += (x.truth[i]! - yMean) ** 2;
      return tot > 0 ? 1 - se / tot : NaN;
    },
  },
});
