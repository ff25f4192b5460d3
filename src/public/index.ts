/**
 * The type declarations published for the `mmx-ml` package (dist/public/index.d.ts): the exports of src/index.ts,
 * declared from leaf modules only. The implementation's modules cannot all have declarations written (the config
 * schema fragments' TypeBox types: scripts/gen-config-type.ts), so the functions are declared here and
 * test/api/public-types.unit.test.ts checks at compile time that src/index.ts implements exactly these.
 */
import type {
  LoadConfigOptions,
  LoadedExperimentConfig,
  PredictOptions,
  RunExperimentOptions,
  ValidateConfigOptions,
  ValidationResult,
} from '../api/types.js';
import type { Prediction, PredictorApi, RawRow } from '../inference/types.js';
import type { RunResult } from '../runner/run-result.js';

export { ConfigError } from '../config/issues.js';
export { DataError } from '../data/errors.js';
export { UsageError } from '../errors.js';
export { RowError } from '../inference/row-error.js';
export type * from './types.js';

/** The package's version. */
export declare const MMX_VERSION: string;

/**
 * Reads a config: YAML with `extends`, `${VAR}` interpolation and `--set` overrides, checked against the schema
 * (every default applied). @throws ConfigError with every problem (file:line:column, key path, did-you-mean)
 */
export declare function loadConfig(file: string, options?: LoadConfigOptions): LoadedExperimentConfig;

/** `mmx validate` as a function: every problem of a config, its data and its model size, without training. */
export declare function validateConfig(config: string, options?: ValidateConfigOptions): ValidationResult;

/**
 * `mmx run` as a function: checks the config, trains, evaluates and logs one experiment to MLflow.
 * @throws ConfigError, DataError, or the run's own error (the run then ends FAILED; aborted through `signal`: KILLED)
 */
export declare function runExperiment(config: string, options?: RunExperimentOptions): Promise<RunResult>;

/**
 * Loads a trained model (a run id, or a model folder such as a run's `artifacts/model`) with its preprocessing
 * state, to predict from raw rows as often as needed.
 */
export declare function loadPredictor(model: string, options?: PredictOptions): Promise<PredictorApi>;

/**
 * Predictions for raw rows (one object per row, keyed by the columns the model reads), with the training run's
 * preprocessing applied exactly as `mmx predict` applies it. @throws RowError naming the row and column of a bad value
 */
export declare function predict(model: string, rows: readonly RawRow[], options?: PredictOptions): Promise<Prediction[]>;
