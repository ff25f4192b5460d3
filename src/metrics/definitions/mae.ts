import { defineMetric } from '../kit.js';

/** regression: mean absolute error, in the target's units. */
export default defineMetric({
  name: 'mae',
  label: 'MAE',
  direction: 'min',
  range: [0, Infinity],
  defaultFor: ['regression'],
  compute: {
    regression: (x) => {
      let ae = 0;
      for (let i = 0; i < x.truth.length; i++) ae += Math.abs(x.predicted[i]! - x.truth[i]!);
      return x.truth.length ? ae / x.truth.length : 0;
    },
  },
});
