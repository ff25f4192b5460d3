/**
 * Checks that need more than the schema: the data file exists and has the named columns, split ratios add
 * up, early stopping watches a metric that is produced, audio frequencies make sense.
 */
import { existsSync, statSync } from 'node:fs';
import { DataError } from '../data/errors.js';
import { readManifest, type Manifest } from '../data/manifest.js';
import { suggestion } from './did-you-mean.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import { resolveConfigPath, type LoadedConfig } from './load.js';
import type { ExperimentConfig } from './schema.js';

/** Metric keys logged per epoch; `early_stopping.monitor` must be one of them. */
export function epochMetricNames(config: ExperimentConfig): string[] {
  const val = new Set(['loss', 'accuracy', ...config.evaluation.metrics]);
  return ['train_loss', 'train_accuracy', ...[...val].map((m) => `val_${m}`)];
}

export interface CheckedConfig extends LoadedConfig {
  /** absolute path of the manifest */
  dataPath: string;
  manifest: Manifest;
}

export function checkSemantics(loaded: LoadedConfig, cwd = process.cwd()): CheckedConfig {
  const { config, sources } = loaded;
  const issues: ConfigIssue[] = [];
  const at = (path: (string | number)[], message: string, hint?: string): void => {
    issues.push({ ...(sources.locate(path) ?? { file: '?' }), path: path.join('.'), message, ...(hint ? { hint } : {}) });
  };

  const split = config.data.split;
  if (split.ratios) {
    const { train, validation, test } = split.ratios;
    const sum = train + validation + test;
    if (Math.abs(sum - 1) > 1e-6) at(['data', 'split', 'ratios'], `ratios add up to ${+sum.toFixed(6)}, not 1`);
    if (train <= 0) at(['data', 'split', 'ratios', 'train'], 'the training split must not be empty');
    if (test <= 0) at(['data', 'split', 'ratios', 'test'], 'the test split must not be empty (test metrics are reported)');
  }

  const es = config.training.early_stopping;
  if (es) {
    const produced = epochMetricNames(config);
    if (!produced.includes(es.monitor)) {
      at(['training', 'early_stopping', 'monitor'], `'${es.monitor}' is not a metric this run produces`, suggestion(es.monitor, produced));
    }
  }

  for (const [name, input] of Object.entries(config.inputs)) {
    if (input.type === 'audio') {
      const p = input.preprocessing;
      const nyquist = p.sample_rate / 2;
      const fMax = p.f_max ?? nyquist;
      if (fMax > nyquist) at(['inputs', name, 'preprocessing', 'f_max'], `f_max ${fMax} Hz is above the Nyquist frequency (${nyquist} Hz at sample_rate ${p.sample_rate})`);
      if (p.f_min >= fMax) at(['inputs', name, 'preprocessing', 'f_min'], `f_min (${p.f_min} Hz) must be below f_max (${fMax} Hz)`);
      if (p.hop_ms > p.window_ms) at(['inputs', name, 'preprocessing', 'hop_ms'], `hop_ms (${p.hop_ms}) is longer than window_ms (${p.window_ms}): samples would be skipped`);
      if ((p.window_ms / 1000) * p.sample_rate < 8) at(['inputs', name, 'preprocessing', 'window_ms'], 'window is shorter than 8 samples at this sample rate');
      if (p.max_duration_s * 1000 < p.window_ms) at(['inputs', name, 'preprocessing', 'max_duration_s'], 'max_duration_s is shorter than one analysis window');
    }
  }

  const dataPath = resolveConfigPath(loaded, ['data', 'path'], config.data.path, cwd);
  let manifest: Manifest | undefined;
  if (!existsSync(dataPath)) {
    at(['data', 'path'], `data file not found: ${dataPath}`, config.data.path.includes('${') ? undefined : 'paths are relative to the config file that names them');
  } else if (statSync(dataPath).isDirectory()) {
    at(['data', 'path'], `is a folder, not a manifest file: ${dataPath}`);
  } else {
    try {
      manifest = readManifest(dataPath, config.data.format, config.data.limit);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      at(['data', 'path'], err.describe());
    }
  }
  if (manifest) {
    const columns = manifest.columns;
    const need = (path: (string | number)[], column: string, what: string): void => {
      if (!columns.includes(column)) at(path, `${what} column '${column}' is not in ${config.data.path}`, suggestion(column, columns, 'one of the columns'));
    };
    need(['target', 'column'], config.target.column, 'target');
    if (split.column !== undefined) need(['data', 'split', 'column'], split.column, 'split');
    for (const [name, input] of Object.entries(config.inputs)) need(['inputs', name, 'column'], input.column, `input '${name}'`);
    if (manifest.rows.length === 0) at(['data', 'path'], 'the manifest has a header but no rows');
  }
  if (issues.length) throw new ConfigError(issues);
  return { ...loaded, dataPath, manifest: manifest! };
}
