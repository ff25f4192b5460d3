/** What a metric definition file imports: defineMetric, the inputs it reads, and the helpers metrics share. */
export { defineMetric, type Direction, type MetricDefinition } from './define.js';
export {
  classScores,
  f1Of,
  mean,
  squaredErrorMean,
  type BinaryInput,
  type LabelInput,
  type MultilabelInput,
  type RegressionInput,
} from './inputs.js';
