/**
 * `${VAR}` and `${VAR:-default}` in string values, from the environment; `$${` writes a literal `${`.
 * A variable that is unset (or empty, with `:-`) and has no default is an error at that value.
 */
import type { ConfigIssue } from './issues.js';
import type { KeyPath, SourceMap } from './source-map.js';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateString(s: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = s.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return match;
  });
  return { value, missing };
}

/** Interpolates every string in a parsed config in place; returns the problems found. */
export function interpolateTree(
  value: unknown,
  env: NodeJS.ProcessEnv,
  sources: SourceMap,
  issues: ConfigIssue[],
  path: KeyPath = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const r = interpolateString(value, env);
    for (const name of r.missing) {
      const loc = sources.locate(path) ?? { file: '?' };
      issues.push({
        ...loc,
        path: path.join('.'),
        message: `environment variable ${name} is not set`,
        hint: `set it, or give a default: \${${name}:-value}`,
      });
    }
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, sources, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, env, sources, issues, [...path, k]);
    return out;
  }
  return value;
}
