import { defineMetric, squaredErrorMean } from '../kit.js';

/** regression: mean squared error, in the target's units squared. */
export default defineMetric({
  name: 'mse',
  label: 'MSE',
  direction: 'min',
  range: [0, Infinity],
  compute: { regression: squaredErrorMean },
});
