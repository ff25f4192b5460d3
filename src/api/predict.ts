/**
 * Predictions from raw rows in a program: `predict(model, rows)` loads the model (a run id, or a model folder
 * such as a run's `artifacts/model`), applies the training run's preprocessing state to the rows exactly as
 * `mmx predict` does, and returns one prediction per row. `loadPredictor` keeps the model loaded for many calls.
 */
import { Predictor } from '../inference/predictor.js';
import type { Prediction, RawRow } from '../inference/types.js';
import type { PredictOptions } from './types.js';

/** `cwd` defaults to process.cwd() here: the library's caller names its own paths. */
export async function loadPredictor(model: string, options: PredictOptions = {}): Promise<Predictor> {
  return Predictor.load(model, { ...options, cwd: options.cwd ?? process.cwd() });
}

/** @throws RowError naming the row (0-based) and column of a bad value; UsageError for a model that is not there */
export async function predict(model: string, rows: readonly RawRow[], options: PredictOptions = {}): Promise<Prediction[]> {
  const predictor = await loadPredictor(model, options);
  try {
    return await predictor.predict(rows);
  } finally {
    predictor.dispose();
  }
}
