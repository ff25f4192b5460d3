/**
 * The YAML of MLflow's `meta.yaml` files: flat mappings of strings, integers, null and `[]`,
 * written by PyYAML (`yaml.safe_dump(..., default_flow_style=False, sort_keys=True)`) and read
 * back with PyYAML's SafeLoader, which follows YAML 1.1. A string that would read back as
 * something else under YAML 1.1 (`yes`, `on`, `2024-01-01`, `1:20`, `0x1F`, `~`, `=`...) must be
 * quoted, so this writer only emits a plain scalar for strings that cannot be misread, and quotes
 * everything else. Reading uses the `yaml` package in its YAML 1.1 mode, which resolves types the
 * way PyYAML does.
 */
import YAML from 'yaml';

import { TrackingError } from './errors.js';

export type MetaValue = string | number | null | readonly [];
export type MetaRecord = Record<string, MetaValue>;

/** Lower-cased YAML 1.1 booleans and nulls (PyYAML's resolver, plus y/n from the 1.1 spec). */
const KEYWORDS = new Set(['yes', 'no', 'y', 'n', 'true', 'false', 'on', 'off', 'null', '~']);

/** Characters a plain scalar may hold here: URI-ish ASCII, nothing that is a YAML indicator. */
const PLAIN_CHARS = /^[A-Za-z0-9_/][A-Za-z0-9_\-./:@+%~]*$/;

/** PyYAML's implicit resolvers (lib/yaml/resolver.py) for every non-str type a plain scalar can become. */
const PY_NON_STR = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
];

/** The `yaml` package (YAML 1.1 mode, used to read metas back) must also read it as this string. */
function jsReadsAsString(s: string): boolean {
  try {
    return (YAML.parse(`k: ${s}\n`, { version: '1.1' }) as { k?: unknown } | null)?.k === s;
  } catch {
    return false;
  }
}

/**
 * Plain (unquoted), as PyYAML writes it, only when neither PyYAML nor the `yaml` package could
 * read it as anything but this string: `file:///...` URIs, run ids, `active`, most names.
 */
function isPlainSafe(s: string): boolean {
  return (
    PLAIN_CHARS.test(s) && !s.endsWith(':') && !KEYWORDS.has(s.toLowerCase()) && !PY_NON_STR.some((re) => re.test(s)) && jsReadsAsString(s)
  );
}

/** Characters PyYAML's reader accepts in a stream and that are not line breaks. */
function isSingleQuotable(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x20 || (c > 0x20 && c <= 0x7e)) continue;
    if (c >= 0xa0 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) continue;
    if (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) continue;
    if (c >= 0x10000 && c <= 0x10ffff) continue;
    return false; // controls, tab, NEL, line/paragraph separators, BOM, lone surrogates, U+FFFE/F
  }
  return true;
}

function hex(c: number, width: number): string {
  return c.toString(16).toUpperCase().padStart(width, '0');
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\x${hex(c, 2)}`;
    else if (c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff) out += `\\u${hex(c, 4)}`;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1]!;
        i++;
      } else {
        out += `\\u${hex(c, 4)}`;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) out += `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return out + '"';
}

export function formatScalar(v: MetaValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    if (v.length !== 0) throw new TrackingError('meta.yaml lists other than [] are not supported', 'INTERNAL_ERROR');
    return '[]';
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TrackingError(`meta.yaml numbers must be integers, got ${v}`, 'INTERNAL_ERROR');
    return String(v);
  }
  const s = v as string;
  if (s === '') return "''";
  if (isPlainSafe(s)) return s;
  if (isSingleQuotable(s) && s.trim() === s) return `'${s.replace(/'/g, "''")}'`;
  return doubleQuoted(s);
}

/** A flat mapping as PyYAML's safe_dump writes it: keys sorted, one `key: value` per line. */
export function dumpMetaYaml(record: MetaRecord): string {
  const keys = Object.keys(record).sort();
  let out = '';
  for (const k of keys) {
    if (!/^[a-z_]+$/.test(k)) throw new TrackingError(`invalid meta.yaml key '${k}'`, 'INTERNAL_ERROR');
    out += `${k}: ${formatScalar(record[k]!)}\n`;
  }
  return out;
}

/** Parse a meta.yaml the way PyYAML's SafeLoader would (YAML 1.1 types). Throws when it is not a mapping. */
export function parseMetaYaml(text: string, where: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = YAML.parse(text, { version: '1.1' });
  } catch (e) {
    throw new TrackingError(`${where} is not valid YAML: ${(e as Error).message}`, 'INVALID_STATE', { cause: e });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TrackingError(`${where} is empty or not a YAML mapping`, 'INVALID_STATE');
  }
  return data as Record<string, unknown>;
}
