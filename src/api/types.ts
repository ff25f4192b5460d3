/** Options and results of the library's functions (a leaf type module, part of the public API: src/public/index.ts). */
import type { ExperimentConfig } from '../experiment/generated/experiment-config.js';
import type { ConfigIssue } from '../config/issues.js';
import type { LoadPredictorOptions } from '../inference/types.js';
import type { RunEvent } from '../core/run-events.js';

export interface LoadConfigOptions {
  /** `--set key=value` overrides, applied in order */
  overrides?: readonly string[];
  /** the environment `${VAR}`s are read from (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /**
   * The folder a relative config path, `--set` paths and a relative tracking store (`./runs`) resolve against.
   * Default: the config's folder (the path must then be absolute).
   */
  baseDir?: string;
}

/** A config read, merged (`extends`), interpolated, overridden and checked against the schema, every default applied. */
export interface LoadedExperimentConfig {
  /** absolute path of the config file */
  file: string;
  baseDir: string;
  overrides: string[];
  /** the file's text as written */
  written: string;
  config: ExperimentConfig;
  /** every file that went into it (the top file last) */
  files: string[];
}

export interface RunExperimentOptions extends LoadConfigOptions {
  /** every progress event of the run (phases, epochs, evaluation, the end) */
  onEvent?: (event: RunEvent) => void;
  /** stops the run after the current batch; it ends KILLED */
  signal?: AbortSignal;
}

export interface ValidateConfigOptions extends LoadConfigOptions {
  /** also check each file the manifest's rows name (present, regular, within data.max_file_mb, of the right kind); default true */
  files?: boolean;
}

export type ValidationResult = { valid: true; config: ExperimentConfig; issues: [] } | { valid: false; issues: ConfigIssue[] };

/** As for `loadPredictor`; `cwd` defaults to process.cwd(). */
export type PredictOptions = Partial<LoadPredictorOptions>;
