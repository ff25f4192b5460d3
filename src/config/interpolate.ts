/**
 * `${VAR}` and `${VAR:-default}` in string values, from the environment; `$${` writes a literal `${`.
 * A variable that is unset (or empty, with `:-`) and has no default is an error at that value.
 *
 * A value that is one interpolation and nothing else (`epochs: ${EPOCHS:-2}`) is typed like a YAML scalar once
 * the variable is read: `2` becomes the number 2, `true` a boolean, `1e-3` a number; anything else stays a string.
 * Where the schema wants a string (`name: ${RUN}` with RUN=123), validation turns it back into the text (see
 * `retypeAsWritten` in load.ts). A value with other text around the interpolation (`run-${N}`) stays a string.
 * The value of a variable whose name says credential (`${DB_PASSWORD}`) is remembered as a secret.
 */
import { isScalar, parseDocument } from 'yaml';
import { dotted, type ConfigIssue } from './issues.js';
import { dict } from './safe-keys.js';
import { looksLikeCredentialName, rememberSecret } from './secrets.js';
import type { KeyPath, SourceMap } from './source-map.js';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export function interpolateString(s: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = s.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const v = Object.hasOwn(env, name!) ? env[name!] : undefined;
    if (v !== undefined && v !== '') {
      // a credential's value is masked in everything mmx writes from now on (src/config/secrets.ts)
      if (looksLikeCredentialName(name!)) rememberSecret(v);
      return v;
    }
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return match;
  });
  return { value, missing };
}

/** The value `text` has when written as a plain YAML scalar, if that is a number, a boolean or null; else the text. */
export function typedScalar(text: string): unknown {
  const doc = parseDocument(text, { strict: true });
  if (doc.errors.length > 0 || !isScalar(doc.contents)) return text;
  const v: unknown = doc.contents.value;
  return typeof v === 'number' || typeof v === 'boolean' || v === null ? v : text;
}

/** Interpolates every string in a parsed config; returns the new tree and pushes the problems found. */
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
        path: dotted(path),
        message: `environment variable ${name} is not set`,
        hint: `set it, or give a default: \${${name}:-value}`,
      });
    }
    if (r.missing.length > 0 || !WHOLE.test(value)) return r.value;
    const typed = typedScalar(r.value);
    if (typed !== r.value) sources.setText(path, r.value);
    return typed;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, sources, issues, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out = dict();
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, env, sources, issues, [...path, k]);
    return out;
  }
  return value;
}
