/**
 * `validateConfig(file)`: `mmx validate` as a function — everything but training (schema, semantic checks, the
 * rows and, unless `files: false`, every file they name; the model's size) — returning every problem instead of
 * throwing.
 */
import { ConfigError } from '../config/issues.js';
import { checkExperiment } from '../runner/check-experiment.js';
import type { ValidateConfigOptions, ValidationResult } from './types.js';

export function validateConfig(config: string, options: ValidateConfigOptions = {}): ValidationResult {
  try {
    const { checked } = checkExperiment(config, {
      ...(options.overrides ? { overrides: options.overrides } : {}),
      ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      files: options.files ?? true,
    });
    return { valid: true, config: checked.config, issues: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { valid: false, issues: err.issues };
    throw err;
  }
}
