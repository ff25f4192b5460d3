/**
 * Loading a config: read YAML with positions → follow `extends` (deep merge, child wins, cycles
 * rejected) → interpolate `${VAR}` → apply `--set` overrides → validate against the schema (filling in
 * defaults) → semantic checks against the data. Every problem is collected into one ConfigError.
 */
import path from 'node:path';
import { ConfigError, type ConfigIssue } from './issues.js';
import { interpolateTree } from './interpolate.js';
import { deepMerge, isPlainObject } from './merge.js';
import { applyOverrides, parseOverride } from './overrides.js';
import type { ExperimentConfig } from './schema.js';
import { SourceMap } from './source-map.js';
import { validateAgainstSchema } from './validate-schema.js';
import { readYamlFile } from './yaml-source.js';

export interface LoadOptions {
  /** `--set key=value` strings, applied in order */
  overrides?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** folder that names in messages are relative to; default process.cwd() */
  cwd?: string;
}

export interface LoadedConfig {
  /** absolute path of the top config file */
  file: string;
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

function loadLayer(file: string, cwd: string, env: NodeJS.ProcessEnv, stack: string[], issues: ConfigIssue[]): Layer {
  const display = path.relative(cwd, file) || file;
  const src = readYamlFile(file, display);
  if (!isPlainObject(src.value)) {
    throw new ConfigError([{ file: display, line: 1, column: 1, path: '', message: 'a config must be a YAML mapping (key: value lines)' }]);
  }
  const value = interpolateTree(src.value, env, src.sources, issues) as Record<string, unknown>;
  const ext = value.extends;
  delete value.extends;
  const parents = ext === undefined ? [] : Array.isArray(ext) ? ext : [ext];
  let merged: Record<string, unknown> = {};
  const sources = new SourceMap();
  const files: string[] = [];
  parents.forEach((p, i) => {
    const where = src.sources.locate(Array.isArray(ext) ? ['extends', i] : ['extends']) ?? { file: display };
    if (typeof p !== 'string') {
      issues.push({ ...where, path: 'extends', message: 'must be a file path or a list of file paths' });
      return;
    }
    const parentFile = path.resolve(path.dirname(file), p);
    if (stack.includes(parentFile) || parentFile === file) {
      const chain = [...stack, file, parentFile].map((f) => path.relative(cwd, f) || f).join(' → ');
      issues.push({ ...where, path: 'extends', message: `extends cycle: ${chain}`, hint: 'remove one of the extends links' });
      return;
    }
    try {
      const parent = loadLayer(parentFile, cwd, env, [...stack, file], issues);
      merged = deepMerge(merged, parent.value, sources) as Record<string, unknown>;
      sources.overlay(parent.sources);
      files.push(...parent.files);
    } catch (err) {
      if (err instanceof ConfigError) {
        const notFound = err.issues.length === 1 && err.issues[0]!.message.startsWith('cannot read config');
        if (notFound) issues.push({ ...where, path: 'extends', message: `${err.issues[0]!.message}: ${p}` });
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

/** Loads and validates a config against the schema (no data checks; see `checkSemantics`). */
export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const abs = path.resolve(cwd, file);
  const issues: ConfigIssue[] = [];
  const overrides = (options.overrides ?? []).map(parseOverride);
  const layer = loadLayer(abs, cwd, env, [], issues);
  if (issues.length) throw new ConfigError(issues);
  const merged = applyOverrides(layer.value, overrides, layer.sources) as Record<string, unknown>;
  const config = structuredClone(merged);
  const schemaIssues = validateAgainstSchema(config, layer.sources);
  if (schemaIssues.length) throw new ConfigError(schemaIssues);
  return {
    file: abs,
    written: layer.text,
    merged,
    config: config as unknown as ExperimentConfig,
    sources: layer.sources,
    files: layer.files,
  };
}

/**
 * Resolves a path-valued config entry relative to the folder of the file that wrote it (a `--set`
 * value: relative to the working directory).
 */
export function resolveConfigPath(loaded: LoadedConfig, keyPath: (string | number)[], value: string, cwd = process.cwd()): string {
  if (path.isAbsolute(value)) return value;
  const from = loaded.sources.fileOf(keyPath);
  if (!from || from.startsWith('--set')) return path.resolve(cwd, value);
  const abs = loaded.files.find((f) => (path.relative(cwd, f) || f) === from) ?? path.resolve(cwd, from);
  return path.resolve(path.dirname(abs), value);
}
