/**
 * Checks that need more than the schema: the data file exists and has the named columns, split ratios add
 * up, early stopping watches a metric that is produced, audio frequencies make sense.
 */
import { existsSync, statSync } from 'node:fs';
import { fileKindOf } from '../io/regular-file.js';
import { DataError } from '../data/errors.js';
import { DatasetError } from '../datasets/errors.js';
import { defaultDataHome } from '../datasets/home.js';
import { checkPrepared, datasetManifestPath } from '../datasets/local.js';
import type { DatasetName } from '../datasets/names.js';
import { readManifest, type Manifest } from '../data/manifest.js';
import { suggestion } from '../config/did-you-mean.js';
import { validateFusion } from '../model/fusions/index.js';
import { checkModel } from '../model/checks.js';
import { trainingIssues } from '../train/optim/check.js';
import { findModality } from '../data/modalities/index.js';
import { streamWithoutCache } from '../data/cache/options.js';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { resolveConfigPath, type LoadedConfig } from './load.js';
import { taskNames, type TaskName } from '../core/tasks.js';
import type { ExperimentConfig } from './schema.js';
import { alwaysReported, defaultMetrics, taskMetrics } from '../metrics/registry.js';

/** Whether the task reports a (train and validation) accuracy besides its requested metrics. */
export const taskHasAccuracy = (task: TaskName): boolean => alwaysReported(task).includes('accuracy');

/** Metric keys logged per epoch; `early_stopping.monitor` must be one of them. */
export function epochMetricNames(config: ExperimentConfig): string[] {
  const task = config.target.task;
  const base = taskHasAccuracy(task) ? ['loss', 'accuracy'] : ['loss'];
  const val = new Set([...base, ...config.evaluation.metrics]);
  const total = config.fusion.type === 'late' ? ['train_total_loss'] : [];
  return [
    'train_loss',
    ...(taskHasAccuracy(task) ? ['train_accuracy'] : []),
    ...total,
    ...[...val].map((m) => `val_${m}`),
    'learning_rate',
  ];
}

/** Which `target:` options each task uses (the rest are rejected when written). */
const TARGET_OPTIONS: Record<TaskName, readonly string[]> = {
  classification: ['label_smoothing', 'class_weight'],
  binary: ['label_smoothing', 'class_weight', 'positive_class', 'threshold'],
  multilabel: ['threshold', 'delimiter'],
  regression: ['loss', 'huber_delta', 'normalize'],
};
const ALL_TARGET_OPTIONS = [...new Set(Object.values(TARGET_OPTIONS).flat())];

/**
 * `evaluation.metrics` left at the schema default becomes the task's default list (the schema default is the
 * classification one); a written list is checked against the task. Also the target options against the task.
 */
function checkTask(config: ExperimentConfig, at: (path: (string | number)[], message: string, hint?: string) => void): void {
  const task = config.target.task;
  const metrics = config.evaluation.metrics;
  const schemaDefault = defaultMetrics('classification');
  const isSchemaDefault = metrics.length === schemaDefault.length && metrics.every((m, i) => m === schemaDefault[i]);
  if (isSchemaDefault && task !== 'classification') config.evaluation.metrics = defaultMetrics(task);
  const allowed = taskMetrics(task);
  config.evaluation.metrics.forEach((m, i) => {
    if ((allowed as readonly string[]).includes(m)) return;
    const hint = suggestion(m, allowed, `one of the ${task} metrics`);
    at(
      ['evaluation', 'metrics', i],
      `'${m}' is not a metric of the ${task} task`,
      hint.startsWith('did you mean') ? `${hint} (${task} metrics: ${allowed.join(', ')})` : hint,
    );
  });
  const target = config.target as Record<string, unknown>;
  for (const key of ALL_TARGET_OPTIONS) {
    if (target[key] === undefined || TARGET_OPTIONS[task].includes(key)) continue;
    const users = taskNames.filter((t) => TARGET_OPTIONS[t].includes(key));
    at(['target', key], `'${key}' does not apply to task ${task}`, `it is an option of task ${users.join(' / ')}`);
  }
  if (config.target.huber_delta !== undefined && config.target.loss !== 'huber')
    at(['target', 'huber_delta'], 'huber_delta needs loss: huber');
  if ((task === 'multilabel' || task === 'regression') && config.data.split.ratios && config.data.split.stratify) {
    at(
      ['data', 'split', 'stratify'],
      `stratify needs one class per row; the ${task} task has none`,
      'set stratify: false or split by a column',
    );
  }
}

export interface CheckedConfig extends LoadedConfig {
  /** absolute path of the manifest */
  dataPath: string;
  /**
   * The manifest. With `data.dataset` not yet prepared it is read on first access — after the runner's
   * `ensureDataset` — and throws a DatasetError if the data set is still not there.
   */
  manifest: Manifest;
  /** with `data.dataset`: which one, the data home, and whether it was prepared when the config was checked */
  dataset?: { name: DatasetName; dataHome: string; prepared: boolean };
}

/** `env`: where MMX_DATA_HOME is read (a relative one resolves against the config's base directory). */
export function checkSemantics(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): CheckedConfig {
  const { issues, checked } = inspectSemantics(loaded, new Set(), env);
  if (issues.length) throw new ConfigError(issues);
  return checked;
}

/** The config's top-level sections that `issues` point into (an issue about the whole file or a `--set` flag: none). */
export function sectionsOf(issues: readonly ConfigIssue[]): Set<string> {
  return new Set(issues.map((i) => i.path.split(/[.[]/)[0] ?? '').filter((s) => s !== ''));
}

/**
 * The semantic checks whose sections are clean: each check reads some top-level sections, and runs only when
 * none of them is in `dirty` (sections that already have a problem, say from the schema, and may hold anything).
 * So `mmx validate` reports a schema problem in `training:` together with a missing column under `inputs:`.
 * `checked` is usable only when `issues` is empty; its manifest is there when the data checks ran and read it.
 */
export function inspectSemantics(
  loaded: LoadedConfig,
  dirty: ReadonlySet<string>,
  env: NodeJS.ProcessEnv = process.env,
): { issues: ConfigIssue[]; checked: CheckedConfig; manifestRead: boolean } {
  const { config, sources } = loaded;
  const issues: ConfigIssue[] = [];
  const at = (path: (string | number)[], message: string, hint?: string): void => {
    issues.push({ ...(sources.locate(path) ?? { file: '?' }), path: path.join('.'), message, ...(hint ? { hint } : {}) });
  };
  const clean = (...sections: string[]): boolean => sections.every((s) => !dirty.has(s));

  const split = clean('data') ? config.data.split : undefined;
  if (split?.ratios) {
    const { train, validation, test } = split.ratios;
    const sum = train + validation + test;
    if (Math.abs(sum - 1) > 1e-6) at(['data', 'split', 'ratios'], `ratios add up to ${+sum.toFixed(6)}, not 1`);
    if (train <= 0) at(['data', 'split', 'ratios', 'train'], 'the training split must not be empty');
    if (test <= 0) at(['data', 'split', 'ratios', 'test'], 'the test split must not be empty (test metrics are reported)');
  }

  if (clean('fusion', 'inputs')) {
    const fusionIssues = validateFusion(config.fusion, Object.keys(config.inputs));
    for (const issue of fusionIssues) {
      at(issue.path[0] === 'fusion' ? issue.path : ['fusion', ...issue.path], issue.message, issue.hint);
    }
    // encoder options against the feature shapes, and the size of the attention the model implies
    if (fusionIssues.length === 0 && clean('training')) for (const issue of checkModel(config)) at(issue.path, issue.message, issue.hint);
  }

  if (clean('target', 'evaluation', 'data')) checkTask(config, at);

  if (clean('runtime')) {
    const streamProblem = streamWithoutCache(config.runtime.stream, config.runtime.cache);
    if (streamProblem) at(['runtime', 'stream'], streamProblem.message, streamProblem.hint);
  }

  const es = config.training?.early_stopping;
  if (es && clean('training', 'target', 'evaluation', 'fusion')) {
    const produced = epochMetricNames(config);
    if (!produced.includes(es.monitor)) {
      at(['training', 'early_stopping', 'monitor'], `'${es.monitor}' is not a metric this run produces`, suggestion(es.monitor, produced));
    }
  }

  if (clean('training', 'target', 'evaluation', 'fusion'))
    for (const issue of trainingIssues(config.training, epochMetricNames(config))) at(issue.path, issue.message, issue.hint);

  if (clean('inputs')) checkInputs(config, at);

  let dataPath = '';
  let dataset: CheckedConfig['dataset'];
  let manifest: Manifest | undefined;
  if (clean('data', 'target', 'inputs')) {
    if (config.data.dataset !== undefined) {
      // a built-in data set: its columns are checked only if it is prepared already (getting it is the runner's job)
      const dataHome = defaultDataHome(env, loaded.baseDir);
      const name = config.data.dataset;
      dataPath = datasetManifestPath(name, dataHome);
      dataset = { name, dataHome, prepared: checkPrepared(name, dataHome).ok };
      if (dataset.prepared) manifest = readDataManifest(dataPath, config, ['data', 'dataset'], at);
    } else {
      const written = config.data.path ?? '';
      dataPath = resolveConfigPath(loaded, ['data', 'path'], written);
      if (!existsSync(dataPath)) {
        at(
          ['data', 'path'],
          `data file not found: ${dataPath}`,
          written.includes('${') ? undefined : 'paths are relative to the config file that names them',
        );
      } else if (!statSync(dataPath).isFile()) {
        at(['data', 'path'], `is ${fileKindOf(statSync(dataPath))}, not a manifest file: ${dataPath}`);
      } else {
        manifest = readDataManifest(dataPath, config, ['data', 'path'], at);
      }
    }
    if (manifest) issues.push(...columnIssues(loaded, manifest));
  }
  const checked = { ...loaded, dataPath, ...(dataset ? { dataset } : {}) } as CheckedConfig;
  if (manifest) checked.manifest = manifest;
  else defineLazyManifest(checked);
  return { issues, checked, manifestRead: manifest !== undefined };
}

/** The inputs' own checks: each modality's, and the audio frequencies and windows. */
function checkInputs(config: ExperimentConfig, at: At): void {
  for (const [name, input] of Object.entries(config.inputs)) {
    for (const issue of findModality(input.type).check?.(input as never) ?? [])
      at(['inputs', name, ...issue.path], issue.message, issue.hint);
    if (input.type === 'audio') {
      const p = input.preprocessing;
      const nyquist = p.sample_rate / 2;
      const fMax = p.f_max ?? nyquist;
      if (fMax > nyquist)
        at(
          ['inputs', name, 'preprocessing', 'f_max'],
          `f_max ${fMax} Hz is above the Nyquist frequency (${nyquist} Hz at sample_rate ${p.sample_rate})`,
        );
      if (p.f_min >= fMax) at(['inputs', name, 'preprocessing', 'f_min'], `f_min (${p.f_min} Hz) must be below f_max (${fMax} Hz)`);
      if (p.hop_ms > p.window_ms)
        at(
          ['inputs', name, 'preprocessing', 'hop_ms'],
          `hop_ms (${p.hop_ms}) is longer than window_ms (${p.window_ms}): samples would be skipped`,
        );
      if ((p.window_ms / 1000) * p.sample_rate < 8)
        at(['inputs', name, 'preprocessing', 'window_ms'], 'window is shorter than 8 samples at this sample rate');
      if (p.max_duration_s * 1000 < p.window_ms)
        at(['inputs', name, 'preprocessing', 'max_duration_s'], 'max_duration_s is shorter than one analysis window');
    }
  }
}

type At = (path: (string | number)[], message: string, hint?: string) => void;

function readDataManifest(file: string, config: ExperimentConfig, keyPath: string[], at: At): Manifest | undefined {
  try {
    return readManifest(file, config.data.format, config.data.limit);
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    at(keyPath, err.describe());
    return undefined;
  }
}

/** The manifest's columns against the config: target, split column, every input's column. */
function columnIssues(loaded: LoadedConfig, manifest: Manifest): ConfigIssue[] {
  const { config, sources } = loaded;
  const issues: ConfigIssue[] = [];
  const columns = manifest.columns;
  const where = config.data.path ?? `data set '${config.data.dataset}'`;
  const need = (path: (string | number)[], column: string, what: string): void => {
    if (columns.includes(column)) return;
    const hint = suggestion(column, columns, 'one of the columns');
    issues.push({
      ...(sources.locate(path) ?? { file: '?' }),
      path: path.join('.'),
      message: `${what} column '${column}' is not in ${where}`,
      ...(hint ? { hint } : {}),
    });
  };
  need(['target', 'column'], config.target.column, 'target');
  if (config.data.split.column !== undefined) need(['data', 'split', 'column'], config.data.split.column, 'split');
  for (const [name, input] of Object.entries(config.inputs)) {
    need(['inputs', name, 'column'], input.column, `input '${name}'`);
    const more = (input as { columns?: unknown }).columns;
    if (Array.isArray(more)) more.forEach((c, i) => typeof c === 'string' && need(['inputs', name, 'columns', i], c, `input '${name}'`));
  }
  if (manifest.rows.length === 0) {
    const key = config.data.dataset !== undefined ? ['data', 'dataset'] : ['data', 'path'];
    issues.push({ ...(sources.locate(key) ?? { file: '?' }), path: key.join('.'), message: 'the manifest has a header but no rows' });
  }
  return issues;
}

/** A data set that was not prepared at check time: its manifest is read when first needed. */
function defineLazyManifest(checked: CheckedConfig): void {
  Object.defineProperty(checked, 'manifest', {
    configurable: true,
    enumerable: true,
    get(): Manifest {
      const ds = checked.dataset;
      if (ds && !checkPrepared(ds.name, ds.dataHome).ok) {
        throw new DatasetError(
          `data set '${ds.name}' is not prepared in ${ds.dataHome}`,
          `run 'mmx datasets get ${ds.name}' (or point MMX_DATA_HOME at a folder that holds it)`,
        );
      }
      const manifest = readManifest(checked.dataPath, checked.config.data.format, checked.config.data.limit);
      Object.defineProperty(checked, 'manifest', { value: manifest, writable: true, enumerable: true, configurable: true });
      return manifest;
    },
  });
}

/**
 * The column checks for a config whose data set was not prepared when `checkSemantics` ran: call after
 * `ensureDataset`. Throws a ConfigError listing every problem; returns the manifest.
 */
export function checkDataColumns(checked: CheckedConfig): Manifest {
  const manifest = checked.manifest;
  const issues = columnIssues(checked, manifest);
  if (issues.length) throw new ConfigError(issues);
  return manifest;
}
