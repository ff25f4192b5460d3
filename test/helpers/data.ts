import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (the folder holding package.json). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the real data sets live. Tests reach them through MMX_DATA_HOME (which a user can
 * point at their own copy); when unset, the `shared/data` folder beside the checkout.
 */
export function dataHome(): string {
  const fromEnv = process.env.MMX_DATA_HOME;
  const home = fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.resolve(repoRoot, '..', 'shared', 'data');
  if (!existsSync(path.join(home, 'avmnist', 'manifest.csv'))) {
    throw new Error(`test data not found under ${home}: set MMX_DATA_HOME to the folder holding avmnist/, fsdd/, ...`);
  }
  return home;
}

export function dataPath(...parts: string[]): string {
  return path.join(dataHome(), ...parts);
}
