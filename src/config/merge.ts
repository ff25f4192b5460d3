/** Deep merge for `extends` and `--set`: maps merge key by key, anything else (lists, scalars) is replaced. */
import type { KeyPath, SourceMap } from './source-map.js';

export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Merge `child` onto `base` (child wins); source entries of replaced values are dropped from `sources`. */
export function deepMerge(base: unknown, child: unknown, sources?: SourceMap, path: KeyPath = []): unknown {
  if (isPlainObject(base) && isPlainObject(child)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(child)) out[k] = k in base ? deepMerge(base[k], v, sources, [...path, k]) : v;
    return out;
  }
  sources?.clear(path);
  return child;
}
