import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findDataHome, missingDataMessage } from '../../scripts/data-home.mjs';
import { refuseInUnitTier } from './tier.js';

/** Repository root (the folder holding package.json). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the real data sets live. Tests reach them through MMX_DATA_HOME (which a user can point at their own
 * copy; test/setup.ts sets it for every test process when it is unset); when unset, a `shared/data` beside the
 * checkout (or one of its parent folders, or the local folder it was cloned from): scripts/data-home.mjs.
 */
export function dataHome(): string {
  refuseInUnitTier('the data sets');
  const found = findDataHome(repoRoot);
  if (!found) throw new Error(missingDataMessage(repoRoot));
  if (!existsSync(path.join(found.dir, 'avmnist', 'manifest.csv'))) {
    throw new Error(`test data not found under ${found.dir}: set MMX_DATA_HOME to the folder holding avmnist/, fsdd/, ...`);
  }
  return found.dir;
}

export function dataPath(...parts: string[]): string {
  return path.join(dataHome(), ...parts);
}
