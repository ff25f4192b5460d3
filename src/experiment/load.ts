/**
 * Loading a config: read YAML with positions → follow `extends` (deep merge, child wins, cycles
 * rejected) → interpolate `${VAR}` → apply `--set` overrides → validate against the schema (filling in
 * defaults) → semantic checks against the data. Every problem is collected into one ConfigError.
 */
import path from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { interpolateTree } from '../config/interpolate.js';
import { deepMerge, isPlainObject } from '../config/merge.js';
import { applyOverrides, parseOverride, type Override } from '../config/overrides.js';
import type { ExperimentConfig } from './schema.js';
import { SourceMap } from '../config/source-map.js';
import { validateAgainstSchema } from './validate-schema.js';
import { readYamlFile } from '../config/yaml-source.js';
import { rememberSecret, secretsInUrl } from '../config/secrets.js';

export interface LoadOptions {
  /** `--set key=value` strings, applied in order */
  overrides?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /**
   * The folder a relative `file`, relative paths given with `--set`, and a relative tracking store resolve
   * against (the CLI passes its working directory). Default: the folder of `file`, which must then be absolute.
   */
  baseDir?: string;
}

export interface LoadedConfig {
  /** absolute path of the top config file */
  file: string;
  /**
   * The one folder everything not written in a config file is relative to: `--set` paths, a relative
   * tracking URI (`./runs`), a relative MMX_DATA_HOME. Paths written in a file are relative to that file.
   */
  baseDir: string;
  /** the `--set` overrides as given, in order */
  overrides: string[];
  /** the top file's text as written */
  written: string;
  /** merged, interpolated and overridden, before defaults */
  merged: Record<string, unknown>;
  /** validated, every default applied */
  config: ExperimentConfig;
  sources: SourceMap;
  /** every file that went into it (the top file last) */
  files: string[];
}

interface Layer {
  value: Record<string, unknown>;
  sources: SourceMap;
  files: string[];
  text: string;
}

/**
 * One file and what it extends. `issues`: problems with `extends` (the config is then incomplete); `envIssues`:
 * unset `${VAR}`s (the config is complete, with those values unknown). `file` is absolute, and so is every file in
 * the source map.
 */
function loadLayer(file: string, env: NodeJS.ProcessEnv, stack: string[], issues: ConfigIssue[], envIssues: ConfigIssue[]): Layer {
  const src = readYamlFile(file);
  if (!isPlainObject(src.value)) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: 'a config must be a YAML mapping (key: value lines)' }]);
  }
  const value = interpolateTree(src.value, env, src.sources, envIssues) as Record<string, unknown>;
  const ext = value.extends;
  delete value.extends;
  const parents = ext === undefined ? [] : Array.isArray(ext) ? ext : [ext];
  let merged: Record<string, unknown> = {};
  const sources = new SourceMap();
  const files: string[] = [];
  parents.forEach((p, i) => {
    const where = src.sources.locate(Array.isArray(ext) ? ['extends', i] : ['extends']) ?? { file };
    if (typeof p !== 'string') {
      issues.push({ ...where, path: 'extends', message: 'must be a file path or a list of file paths' });
      return;
    }
    const parentFile = path.resolve(path.dirname(file), p);
    if (stack.includes(parentFile) || parentFile === file) {
      const chain = [...stack, file, parentFile].map((f) => path.relative(path.dirname(file), f) || f).join(' → ');
      issues.push({ ...where, path: 'extends', message: `extends cycle: ${chain}`, hint: 'remove one of the extends links' });
      return;
    }
    try {
      const parent = loadLayer(parentFile, env, [...stack, file], issues, envIssues);
      merged = deepMerge(merged, parent.value, sources) as Record<string, unknown>;
      sources.overlay(parent.sources);
      files.push(...parent.files);
    } catch (err) {
      if (err instanceof ConfigError) {
        const notFound = err.issues.length === 1 && err.issues[0]!.message.startsWith('cannot read config');
        const first = err.issues[0]!;
        if (notFound)
          issues.push({ ...where, path: 'extends', message: `${first.message}: ${p}`, ...(first.hint ? { hint: first.hint } : {}) });
        else issues.push(...err.issues);
        return;
      }
      throw err;
    }
  });
  merged = deepMerge(merged, value, sources) as Record<string, unknown>;
  sources.overlay(src.sources);
  files.push(file);
  return { value: merged, sources, files, text: src.text };
}

/**
 * Loads a config and checks it against the schema, collecting every problem found instead of stopping at the
 * first kind: `${VAR}` problems, `--set` problems and schema problems come back together. Throws a ConfigError only
 * when there is no whole config to check (a file cannot be read or is not YAML, an `extends` fails). With issues, the
 * `config` is what validation left (defaults filled in where it could): read it only where no issue points.
 */
export function loadConfigCollecting(file: string, options: LoadOptions = {}): { loaded: LoadedConfig; issues: ConfigIssue[] } {
  if (options.baseDir !== undefined && !path.isAbsolute(options.baseDir)) {
    throw new TypeError(`loadConfig: baseDir '${options.baseDir}' must be an absolute path`);
  }
  if (options.baseDir === undefined && !path.isAbsolute(file)) {
    throw new TypeError(`loadConfig: '${file}' is a relative path; give an absolute one or options.baseDir to resolve it against`);
  }
  const abs = options.baseDir === undefined ? path.normalize(file) : path.resolve(options.baseDir, file);
  const baseDir = options.baseDir === undefined ? path.dirname(abs) : path.normalize(options.baseDir);
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const overrides: Override[] = [];
  for (const text of options.overrides ?? []) {
    try {
      overrides.push(parseOverride(text));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }
  const extendsIssues: ConfigIssue[] = [];
  const layer = loadLayer(abs, env, [], extendsIssues, issues);
  // a parent that cannot be read leaves the config incomplete: checking the rest would only report what it lacks
  if (extendsIssues.length) throw new ConfigError([...extendsIssues, ...issues]);
  let merged: Record<string, unknown>;
  try {
    merged = applyOverrides(layer.value, overrides, layer.sources) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
    merged = layer.value;
  }
  rememberUrlSecrets(merged);
  const config = structuredClone(merged);
  const flagged = new Set(issues.map((i) => i.path));
  const schemaIssues = validateAgainstSchema(config, layer.sources, (p, text) => setPath(merged, p, text));
  // a value already reported (an unset ${VAR}) is not reported again by the schema
  issues.push(...schemaIssues.filter((i) => !flagged.has(i.path)));
  const loaded: LoadedConfig = {
    file: abs,
    baseDir,
    overrides: [...(options.overrides ?? [])],
    written: layer.text,
    merged,
    config: config as unknown as ExperimentConfig,
    sources: layer.sources,
    files: layer.files,
  };
  return { loaded, issues };
}

/** Remembers the password (and credential query values) of every URL in the config as a secret. */
function rememberUrlSecrets(value: unknown): void {
  if (typeof value === 'string') {
    if (value.includes('://')) for (const s of secretsInUrl(value)) rememberSecret(s);
  } else if (Array.isArray(value)) for (const v of value) rememberUrlSecrets(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) rememberUrlSecrets(v);
}

function setPath(root: Record<string, unknown>, keyPath: readonly (string | number)[], value: unknown): void {
  let node: unknown = root;
  for (const seg of keyPath.slice(0, -1)) node = (node as Record<string | number, unknown>)[seg];
  if (node !== null && typeof node === 'object') (node as Record<string | number, unknown>)[keyPath[keyPath.length - 1]!] = value;
}

/** Loads and validates a config against the schema (no data checks; see `checkSemantics`); throws every problem found. */
export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const { loaded, issues } = loadConfigCollecting(file, options);
  if (issues.length) throw new ConfigError(issues);
  return loaded;
}

/**
 * Resolves a path-valued config entry relative to the folder of the file that wrote it (the source map holds
 * absolute file paths); a value given with `--set` resolves against the config's base directory.
 */
export function resolveConfigPath(loaded: Pick<LoadedConfig, 'sources' | 'baseDir'>, keyPath: (string | number)[], value: string): string {
  if (path.isAbsolute(value)) return value;
  const from = loaded.sources.fileOf(keyPath);
  if (from === undefined || !path.isAbsolute(from)) return path.resolve(loaded.baseDir, value);
  return path.resolve(path.dirname(from), value);
}
