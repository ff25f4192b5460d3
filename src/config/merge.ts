/** Deep merge for `extends` and `--set`: maps merge key by key, anything else (lists, scalars) is replaced. */
import { dict } from './safe-keys.js';
import type { KeyPath, SourceMap } from './source-map.js';

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Merge `child` onto `base` (child wins); source entries of replaced values are dropped from `sources`. Merged maps
 * are objects without a prototype (see safe-keys.ts), and only own keys are read.
 */
export function deepMerge(base: unknown, child: unknown, sources?: SourceMap, path: KeyPath = []): unknown {
  if (isPlainObject(base) && isPlainObject(child)) {
    const out = dict();
    for (const [k, v] of Object.entries(base)) out[k] = v;
    for (const [k, v] of Object.entries(child)) out[k] = Object.hasOwn(base, k) ? deepMerge(base[k], v, sources, [...path, k]) : v;
    return out;
  }
  sources?.clear(path);
  return child;
}
