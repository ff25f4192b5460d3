/**
 * Synchronous, network-free questions about the data home (an absolute path; see `defaultDataHome`): where a data set lives and whether it is
 * prepared there (the quick check, dependencies included). Used by config checks; `ensure.ts` does the rest.
 */
import path from 'node:path';
import type { DatasetName } from './names.js';
import { datasets, getDataset } from './registry.js';
import { quickCheck, type CheckResult } from './verify.js';

export const MANIFEST = 'manifest.csv';

export function datasetDir(name: string, dataHome: string): string {
  return path.join(dataHome, getDataset(name).name);
}

export function datasetManifestPath(name: string, dataHome: string): string {
  return path.join(datasetDir(name, dataHome), MANIFEST);
}

/** The quick check of `name` and of everything it depends on; the first failure, if any. */
export function checkPrepared(name: string, dataHome: string): CheckResult & { dataset: DatasetName } {
  const entry = getDataset(name);
  for (const dep of entry.dependsOn) {
    const r = checkPrepared(dep, dataHome);
    if (!r.ok) return r;
  }
  return { ...quickCheck(datasets[entry.name], path.join(dataHome, entry.name)), dataset: entry.name };
}

/** Whether `name` (and its dependencies) are prepared in the data home; no network, no hashing of data files. */
export function isPrepared(name: string, dataHome: string): boolean {
  return checkPrepared(name, dataHome).ok;
}
