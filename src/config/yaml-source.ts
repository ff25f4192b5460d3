/** Reads one YAML config file into plain data plus a source map of line/column positions. */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { ConfigError, type ConfigIssue } from './issues.js';
import { SourceMap, type KeyPath } from './source-map.js';

export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  sources: SourceMap;
}

export function readYamlFile(file: string, displayName = file): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : String(err);
    throw new ConfigError([{ file: displayName, path: '', message: `cannot read config: ${reason}` }]);
  }
  return parseYamlText(text, displayName);
}

export function parseYamlText(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
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
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { file };
    const p = lines.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const sources = new SourceMap();
  const walk = (node: Node | null | undefined, path: KeyPath): void => {
    if (!node) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const valueNode = pair.value as Node | null;
        const child = [...path, key];
        sources.set(child, { key: at(keyNode?.range?.[0]), value: at(valueNode?.range?.[0] ?? keyNode?.range?.[1]) });
        walk(valueNode, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as Node | null;
        sources.set([...path, i], { value: at(n?.range?.[0]) });
        walk(n, [...path, i]);
      });
    }
  };
  sources.set([], { value: at(doc.contents?.range?.[0] ?? 0) });
  walk(doc.contents as Node | null, []);
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return { file, text, value: value ?? {}, sources };
}
