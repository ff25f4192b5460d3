import { defineMetric, squaredErrorMean } from '../kit.js';

/** regression: root mean squared error, in the target's units. */
export default defineMetric({
  name: 'rmse',
  label: 'RMSE',
  direction: 'min',
  range: [0, Infinity],
  defaultFor: ['regression'],
  compute: { regression: (x) => Math.sqrt(squaredErrorMean(x)) },
});
