/**
 * `--set a.b.c=value` overrides. The value is parsed as YAML (so `3`, `true`, `[16, 32]`, `{type: sgd}`
 * keep their types); the path is dotted, with numeric segments indexing lists.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from './issues.js';
import { isPlainObject } from './merge.js';
import type { SourceMap } from './source-map.js';

export interface Override {
  path: (string | number)[];
  value: unknown;
  text: string;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const bad = (message: string): ConfigError =>
    new ConfigError([
      { file: '--set', path: '', message: `${message} in '${text}'`, hint: 'write --set key.path=value, e.g. --set training.epochs=3' },
    ]);
  if (eq <= 0) throw bad('missing "="');
  const keyText = text.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(keyText)) throw bad(`invalid key path '${keyText}'`);
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1));
  } catch (e) {
    throw bad(`value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  const path = keyText.split('.').map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
  return { path, value: value === undefined ? null : value, text };
}

/** Applies overrides in order, recording `--set` as the source of each changed path. */
export function applyOverrides(config: unknown, overrides: readonly Override[], sources: SourceMap): unknown {
  const issues: ConfigIssue[] = [];
  let root: unknown = isPlainObject(config) ? structuredClone(config) : {};
  for (const o of overrides) {
    let node = root as Record<string | number, unknown>;
    let ok = true;
    for (let i = 0; i < o.path.length - 1; i++) {
      const seg = o.path[i]!;
      let next = node[seg];
      if (next === undefined || next === null) {
        next = {};
        node[seg] = next;
      } else if (typeof next !== 'object') {
        issues.push({
          file: '--set',
          path: o.path.slice(0, i + 1).join('.'),
          message: `'${o.text}': ${o.path.slice(0, i + 1).join('.')} is a value, not a section`,
        });
        ok = false;
        break;
      }
      node = next as Record<string | number, unknown>;
    }
    if (!ok) continue;
    const last = o.path[o.path.length - 1]!;
    node[last] = o.value;
    sources.clear(o.path);
    sources.set(o.path, { value: { file: `--set ${o.text}` }, key: { file: `--set ${o.text}` } });
    root = root as unknown;
  }
  if (issues.length) throw new ConfigError(issues);
  return root;
}
