/**
 * `--set a.b.c=value` overrides. The value is parsed as YAML (so `3`, `true`, `[16, 32]`, `{type: sgd}` keep
 * their types). The key path is dotted; a numeric segment indexes a list (`filters.0`, or `filters[0]`), and a key
 * that itself contains dots or other characters is written in brackets and quotes:
 *
 *   --set 'sweep.parameters["fusion.type"].values=[concat, gated]'
 *   --set "tracking.tags['team name']=vision"
 *
 * Inside double quotes, `\"` and `\\` escape; inside single quotes, `\'` and `\\`. Every problem an override causes
 * is reported against the `--set` flag that caused it, not against the file.
 */
import { ConfigError, type ConfigIssue } from './issues.js';
import { isPlainObject } from './merge.js';
import { dict, forbiddenKeyMessage, isForbiddenKey } from './safe-keys.js';
import type { SourceMap } from './source-map.js';
import { parseYamlValue } from './yaml-source.js';

export interface Override {
  path: (string | number)[];
  value: unknown;
  text: string;
  /** the value as written, when YAML typed it as a number, boolean or null (see Origin.text) */
  valueText?: string;
}

const PLAIN = /[A-Za-z0-9_$-]/;
const HINT =
  'write --set key.path=value, e.g. --set training.epochs=3; quote a key with dots: sweep.parameters["fusion.type"].values=[a, b]';

/** A key path as `--set` spells it: `a.b[0]["c.d"]`. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(seg) && !/^\d+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Reads the key path at the start of `text` up to the `=` that ends it. Returns the segments and where the value
 * starts, or a message saying what is wrong.
 */
export function parseKeyPath(text: string): { path: (string | number)[]; end: number } | { error: string } {
  const path: (string | number)[] = [];
  let i = 0;
  let expectName = true; // at the start or after a '.'
  while (i < text.length) {
    const c = text[i]!;
    if (c === '[') {
      const q = text[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2;
        let key = '';
        for (; j < text.length && text[j] !== q; j++) {
          if (text[j] === '\\' && (text[j + 1] === q || text[j + 1] === '\\')) j += 1;
          key += text[j];
        }
        if (j >= text.length) return { error: `unclosed quote ${q} in the key` };
        if (text[j + 1] !== ']') return { error: `expected ] after the quoted key ${q}${key}${q}` };
        path.push(key);
        i = j + 2;
      } else {
        const m = /^\[(\d+)\]/.exec(text.slice(i));
        if (!m) return { error: 'inside [...] write a list index (a number) or a quoted key, e.g. ["fusion.type"]' };
        path.push(Number(m[1]));
        i += m[0].length;
      }
      expectName = false;
      continue;
    }
    if (expectName) {
      let j = i;
      while (j < text.length && PLAIN.test(text[j]!)) j += 1;
      if (j === i) {
        return {
          error:
            c === '='
              ? 'a key segment is empty'
              : `unexpected '${c}' in the key (a key with such characters is written in quotes: ["${c}..."])`,
        };
      }
      const seg = text.slice(i, j);
      path.push(/^\d+$/.test(seg) ? Number(seg) : seg);
      i = j;
      expectName = false;
      continue;
    }
    if (c === '.') {
      expectName = true;
      i += 1;
      continue;
    }
    if (c === '=') return path.length ? { path, end: i } : { error: 'the key is empty' };
    return { error: `unexpected '${c}' in the key (a key with such characters is written in quotes: ["...${c}..."])` };
  }
  return { error: 'missing "="' };
}

export function parseOverride(text: string): Override {
  const bad = (message: string, hint = HINT): ConfigError =>
    new ConfigError([{ file: `--set ${text}`, path: '', message, ...(hint ? { hint } : {}) }]);
  const key = parseKeyPath(text);
  if ('error' in key) throw bad(`invalid key path: ${key.error}`);
  const { path } = key;
  const forbidden = path.find((s): s is string => typeof s === 'string' && isForbiddenKey(s));
  if (forbidden !== undefined) {
    const f = forbiddenKeyMessage(forbidden);
    throw bad(f.message, f.hint);
  }
  const raw = text.slice(key.end + 1);
  let value: unknown;
  try {
    value = parseYamlValue(raw, `--set ${text}`).value;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const first = err.issues[0]!;
    throw bad(`value: ${first.message}`, first.hint ?? '');
  }
  const typed = value !== null && typeof value === 'object' ? undefined : value;
  const valueText = typed !== undefined && typeof typed !== 'string' ? raw.trim() : undefined;
  return { path, value, text, ...(valueText !== undefined ? { valueText } : {}) };
}

/** A copy of a config tree whose maps have no prototype. */
function cloneTree(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneTree);
  if (isPlainObject(v)) {
    const out = dict();
    for (const [k, x] of Object.entries(v)) out[k] = cloneTree(x);
    return out;
  }
  return v;
}

/** Applies overrides in order, recording `--set` as the source of each changed or created path. */
export function applyOverrides(config: unknown, overrides: readonly Override[], sources: SourceMap): unknown {
  const issues: ConfigIssue[] = [];
  const root = isPlainObject(config) ? cloneTree(config) : dict();
  for (const o of overrides) {
    const file = `--set ${o.text}`;
    const origin = { value: { file }, key: { file } };
    const fail = (depth: number, message: string, hint?: string): void => {
      issues.push({ file, path: formatKeyPath(o.path.slice(0, depth)), message, ...(hint ? { hint } : {}) });
    };
    /** where `seg` goes in `node`, or undefined after reporting why it cannot */
    const slot = (
      node: unknown,
      seg: string | number,
      depth: number,
    ): { list: unknown[]; index: number } | { map: Record<string, unknown>; key: string } | undefined => {
      const here = formatKeyPath(o.path.slice(0, depth));
      if (Array.isArray(node)) {
        if (typeof seg !== 'number') {
          fail(depth, `${here} is a list: '${seg}' is not an index`, `write a number, e.g. ${here}.0`);
          return undefined;
        }
        if (seg > node.length) {
          const n = node.length;
          fail(
            depth + 1,
            `${here} has ${n} item${n === 1 ? '' : 's'}: index ${seg} is past its end`,
            n
              ? `use an index from 0 to ${n - 1}, or ${n} to add an item; or set the whole list: ${here}=[...]`
              : `set the whole list: ${here}=[...]`,
          );
          return undefined;
        }
        return { list: node, index: seg };
      }
      if (isPlainObject(node)) return { map: node, key: String(seg) };
      fail(depth, `${here || 'the config'} is a value, not a section`, `set ${here} as a whole, e.g. ${here}={...}`);
      return undefined;
    };
    let node: unknown = root;
    let ok = true;
    for (let i = 0; i < o.path.length - 1 && ok; i++) {
      const s = slot(node, o.path[i]!, i);
      if (!s) {
        ok = false;
        break;
      }
      const get = (): unknown => ('list' in s ? s.list[s.index] : Object.hasOwn(s.map, s.key) ? s.map[s.key] : undefined);
      let next = get();
      if (next === undefined || next === null) {
        next = dict();
        if ('list' in s) s.list[s.index] = next;
        else s.map[s.key] = next;
        sources.clear(o.path.slice(0, i + 1));
        sources.set(o.path.slice(0, i + 1), origin);
      } else if (typeof next !== 'object') {
        fail(
          i + 1,
          `${formatKeyPath(o.path.slice(0, i + 1))} is a value, not a section`,
          `set it as a whole, e.g. ${formatKeyPath(o.path.slice(0, i + 1))}={...}`,
        );
        ok = false;
        break;
      }
      node = next;
    }
    if (!ok) continue;
    const s = slot(node, o.path[o.path.length - 1]!, o.path.length - 1);
    if (!s) continue;
    const value = cloneTree(o.value);
    if ('list' in s) s.list[s.index] = value;
    else s.map[s.key] = value;
    sources.clear(o.path);
    sources.set(o.path, origin);
    if (o.valueText !== undefined) sources.setText(o.path, o.valueText);
  }
  if (issues.length) throw new ConfigError(issues);
  return root;
}
