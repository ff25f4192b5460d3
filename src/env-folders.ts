/**
 * Environment variables that name folders (the data home, the feature cache, the spool). Inside mmx they are
 * absolute paths: the CLI makes a relative value absolute once, against the folder the command was typed in,
 * before anything reads it, so that every part of a run — and every process it starts (sweep trials run in
 * other folders) — agrees on where the folder is. Library code never resolves them against `process.cwd()`.
 */
import path from 'node:path';
import { UsageError } from './errors.js';

export const FOLDER_VARIABLES = ['MMX_DATA_HOME', 'MMX_CACHE_DIR', 'MMX_SPOOL_DIR'] as const;
export type FolderVariable = (typeof FOLDER_VARIABLES)[number];

/** The CLI edge: rewrites a relative value of each folder variable in `env` as an absolute path under `cwd`. */
export function absolutizeFolderVariables(env: NodeJS.ProcessEnv, cwd: string): void {
  for (const name of FOLDER_VARIABLES) {
    const value = env[name]?.trim();
    if (value && !path.isAbsolute(value)) env[name] = path.resolve(cwd, value);
  }
}

/** A folder variable's value (undefined when unset or blank); a relative one is a usage error here. */
export function folderFromEnv(env: NodeJS.ProcessEnv, name: FolderVariable): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!path.isAbsolute(value)) throw new UsageError(`${name}=${value} must be an absolute path`);
  return value;
}
