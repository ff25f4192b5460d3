/**
 * Reads one YAML config file into plain data plus a source map of line/column positions.
 *
 * The YAML document is turned into data here rather than by the yaml package's `toJS`, so that every problem has
 * a position: a key written twice (with both places), a key that names an object internal (`__proto__`, ...), an
 * alias inside the value it names, and aliases that expand to more values than any config has (an "alias bomb").
 * Maps become objects without a prototype (see safe-keys.ts), and an alias becomes a copy of what it names, so
 * that changing one place (defaults, overrides) never changes another.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { FileReadError, formatBytes, readRegularFileSync } from '../io/regular-file.js';
import { ConfigError, dotted, type ConfigIssue, type SourceLocation } from './issues.js';
import { dict, forbiddenKeyMessage, isForbiddenKey } from './safe-keys.js';
import { SourceMap, type KeyPath } from './source-map.js';

/** Largest config file read: configs are a few kB; anything this large is not one. */
export const MAX_CONFIG_BYTES = 1_000_000;

/** Most values that aliases may expand to in one file (a config has hundreds at most). */
export const MAX_ALIAS_VALUES = 10_000;

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  sources: SourceMap;
}

export function readYamlFile(file: string, displayName = file): YamlSource {
  let text: string;
  try {
    text = readRegularFileSync(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const hint =
      err.code === 'too-large'
        ? `a config file may be at most ${formatBytes(MAX_CONFIG_BYTES)} (configs are small): is this the right file?`
        : err.code === 'not-regular'
          ? 'a config must be a regular file'
          : undefined;
    throw new ConfigError([{ file: displayName, path: '', message: `cannot read config: ${err.reason}`, ...(hint ? { hint } : {}) }]);
  }
  return parseYamlText(text, displayName);
}

/** Aborts the conversion: the aliases expand past MAX_ALIAS_VALUES. */
class AliasBomb extends Error {}

/** Parses a config file's text; an empty document is an empty mapping. */
export function parseYamlText(text: string, file: string): YamlSource {
  const src = parseYamlValue(text, file);
  return { ...src, value: src.value ?? dict() };
}

/** Parses YAML text into data (null for an empty document) and its source map; throws ConfigError with positions. */
export function parseYamlValue(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  // duplicate keys are found below, with both positions
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true });
  const issues: ConfigIssue[] = [];
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    const first = e.message.split('\n')[0] ?? e.message;
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: `YAML syntax: ${first.replace(/ at line \d+, column \d+.*$/, '')}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const sources = new SourceMap();
  const issue = (node: Node | null | undefined, path: KeyPath, message: string, hint?: string): void => {
    issues.push({ ...at(node?.range?.[0]), path: dotted(path), message, ...(hint ? { hint } : {}) });
  };

  /** anchor name → the node it was last put on, in document order */
  const anchors = new Map<string, Node>();
  /** the collections being converted (an alias to one of them would be a cycle) */
  const open = new Set<Node>();
  let aliasValues = 0;

  /**
   * `alias`: the outermost alias whose value is being copied (positions are then not recorded, and each value
   * counts against MAX_ALIAS_VALUES).
   */
  const convert = (node: Node | null | undefined, path: KeyPath, alias?: { node: Node; path: KeyPath }): unknown => {
    if (!node) return null;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        issue(node, path, `alias *${node.source} names no anchor`, `put &${node.source} on a value before this line`);
        return null;
      }
      if (open.has(target)) {
        issue(node, path, `alias *${node.source} is inside the value it names (a structure that contains itself)`, 'remove the alias');
        return null;
      }
      return convert(target, path, alias ?? { node, path });
    }
    if (alias) {
      aliasValues += 1;
      if (aliasValues > MAX_ALIAS_VALUES) {
        issue(
          alias.node,
          alias.path,
          `YAML aliases expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values (an alias bomb?)`,
          'write the values out, or use fewer nested aliases',
        );
        throw new AliasBomb();
      }
    } else if (node.anchor) {
      anchors.set(node.anchor, node);
    }
    if (isScalar(node)) return node.value ?? null;
    open.add(node);
    try {
      if (isMap(node)) {
        const out = dict();
        const first = new Map<string, Node | null>();
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const keyNode = pair.key as Node | null;
          const valueNode = pair.value as Node | null;
          if (keyNode !== null && !isScalar(keyNode)) {
            issue(keyNode, path, 'a key must be a plain name, not a list or a map');
            continue;
          }
          const key = String(keyNode?.value ?? '');
          const child = [...path, key];
          if (isForbiddenKey(key)) {
            const f = forbiddenKeyMessage(key);
            issue(keyNode, child, f.message, f.hint);
            continue;
          }
          if (first.has(key)) {
            const was = at(first.get(key)?.range?.[0]);
            const where = was.line !== undefined ? ` (first at ${was.line}:${was.column})` : '';
            issue(keyNode, child, `'${key}' is defined twice${where}`, 'remove one of them');
            continue;
          }
          first.set(key, keyNode);
          if (!alias) sources.set(child, { key: at(keyNode?.range?.[0]), value: at(valueNode?.range?.[0] ?? keyNode?.range?.[1]) });
          out[key] = convert(valueNode, child, alias);
        }
        return out;
      }
      if (isSeq(node)) {
        return node.items.map((item, i) => {
          const n = item as Node | null;
          if (!alias) sources.set([...path, i], { value: at(n?.range?.[0]) });
          return convert(n, [...path, i], alias);
        });
      }
      return null;
    } finally {
      open.delete(node);
    }
  };

  sources.set([], { value: at(doc.contents?.range?.[0] ?? 0) });
  let value: unknown;
  try {
    value = convert(doc.contents as Node | null, []);
  } catch (err) {
    if (!(err instanceof AliasBomb)) throw err;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { file, text, value: value ?? null, sources };
}
