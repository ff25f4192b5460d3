/**
 * `runExperiment(file)`: `mmx run` as a function — the config checked as `mmx run` checks it (schema, semantics,
 * rows, model size), then the run: data, model, training, evaluation, the MLflow run and its artifacts. Progress
 * comes as RunEvents through `onEvent`; `signal` stops the run after the current batch (it ends KILLED).
 */
import { checkExperiment } from '../runner/check-experiment.js';
import { runExperiment as runChecked } from '../runner/run-experiment.js';
import type { RunResult } from '../runner/run-result.js';
import type { RunExperimentOptions } from './types.js';

/** @throws ConfigError (every problem of the config, with file:line:column), DataError, or the run's own error */
export async function runExperiment(config: string, options: RunExperimentOptions = {}): Promise<RunResult> {
  const env = options.env ?? process.env;
  const { checked } = checkExperiment(config, {
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}),
    env,
  });
  return runChecked(checked, { emit: options.onEvent ?? (() => {}), env, ...(options.signal ? { signal: options.signal } : {}) });
}
