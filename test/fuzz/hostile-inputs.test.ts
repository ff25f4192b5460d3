/**
 * Fuzzing the front door: a seeded generator of hostile configs (keys deleted, duplicated and renamed, wrong types,
 * huge numbers, odd unicode, damaged YAML, `--set` flags, `${VAR}`s, `extends`), manifests (columns dropped and
 * duplicated, hostile cells, BOM, CRLF, NUL bytes, broken quoting, paths to devices, folders and missing files)
 * and media (truncated, random, empty and bomb-sized PNGs and WAVs, with real MNIST and FSDD files around them).
 * Every case runs as the CLI runs it (`mmx validate`, and `mmx run --plain` for a share of the data cases), in one
 * process (fixtures/runner.ts), and must end one of two ways: exit 0, or exit 2 with a message that says where
 * (the config's file, the manifest, the media file, a row or the `--set` flag) and no stack trace. Never exit 1,
 * never a crash, never a hang (a case that does not end within its time is one), never more than 1.5 GB, and no
 * run left RUNNING.
 *
 * MMX_FUZZ_SEED picks another sequence (each failure names its case's seed, number and mutations);
 * MMX_FUZZ_CONFIG_CASES, MMX_FUZZ_DATA_CASES and MMX_FUZZ_RUN_CASES change how many cases of each kind run;
 * MMX_FUZZ_VERBOSE=1 prints every case with its exit code and first line.
 * Found by it so far: a manifest path longer than the file system allows threw ENAMETOOLONG out of the feature
 * cache's key (exit 1; test/cache/fingerprint.unit.test.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const SEED = Number(process.env.MMX_FUZZ_SEED ?? 19);
const CONFIG_CASES = Number(process.env.MMX_FUZZ_CONFIG_CASES ?? 260);
const DATA_CASES = Number(process.env.MMX_FUZZ_DATA_CASES ?? 70);
const RUN_CASES = Number(process.env.MMX_FUZZ_RUN_CASES ?? 14);
const MAX_RSS = 1.5 * 2 ** 30;
const RUNNER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'runner.ts');

// ---------------------------------------------------------------- a seeded generator

/** mulberry32: small, fast, and the same sequence everywhere for a seed */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly random: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

const ODD_TEXT = [
  '',
  ' ',
  '\u200b',
  '\u202eevil',
  'ｆｕｌｌｗｉｄｔｈ',
  'e\u0301\u0301\u0301',
  '😀🧪👩‍👩‍👧',
  '\ud800',
  'nul\u0000byte',
  'a'.repeat(5000),
  '../../../etc/passwd',
  '/dev/zero',
  '%s%n%x',
  '<script>alert(1)</script>',
  'line\nbreak',
  '${UNSET_FUZZ_VAR}',
  '${FUZZ_NUMBER}',
  '__proto__',
  'constructor',
  'prototype',
  'yes',
  '~',
  '0x1F',
  '1_000',
];
const ODD_NUMBERS = [
  0,
  -1,
  -0.5,
  0.5,
  1e-320,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31),
  65536,
  1e9,
  NaN,
  Infinity,
  -Infinity,
];

function hostileValue(g: Gen): unknown {
  switch (g.int(0, 5)) {
    case 0:
      return g.pick(ODD_TEXT);
    case 1:
      return g.pick(ODD_NUMBERS);
    case 2:
      return g.pick([null, true, false]);
    case 3:
      return g.pick([[], {}, [1, [2, [3]]], { a: { b: { c: 1 } } }, [65536, 65536], Array.from({ length: 200 }, (_, i) => i)]);
    case 4:
      return { [g.pick(ODD_TEXT)]: g.pick(ODD_NUMBERS) };
    default:
      return g.pick(['concat', 'cnn', 'image', 'numeric', 'adam', 'classification', 'regression', 'm.csv', 'label', 'split']);
  }
}

// ---------------------------------------------------------------- the valid starting point

const BASE = {
  name: 'fuzz',
  seed: 1,
  data: { path: 'm.csv', split: { column: 'split' }, on_error: 'error' },
  target: { column: 'label', task: 'classification' },
  inputs: {
    img: {
      type: 'image',
      column: 'img',
      preprocessing: { height: 28, width: 28, channels: 1 },
      encoder: { type: 'cnn', filters: [4], kernel_size: 3, output_dim: 8 },
    },
    wav: {
      type: 'audio',
      column: 'wav',
      preprocessing: { sample_rate: 8000, features: 'log_mel', n_mels: 8, window_ms: 25, hop_ms: 10, max_duration_s: 0.5 },
      encoder: { type: 'cnn1d', filters: [4], kernel_size: 3, output_dim: 8 },
    },
    num: { type: 'numeric', column: 'a', columns: ['b'], encoder: { type: 'dense', layers: [4], output_dim: 4 } },
    cat: { type: 'categorical', column: 'c', encoder: { type: 'embedding', dim: 2 } },
    txt: {
      type: 'text',
      column: 't',
      preprocessing: { vocab_size: 50, max_length: 8 },
      encoder: { type: 'embedding_bag', embedding_dim: 4, pooling: 'mean', output_dim: 4 },
    },
  },
  fusion: { type: 'concat', hidden: [8] },
  training: { epochs: 1, batch_size: 4 },
  tracking: { uri: 'runs', experiment: 'fuzz' },
};

const HEADER = ['img', 'wav', 'a', 'b', 'c', 't', 'label', 'split'];
const ROWS = 16;

function baseRows(): string[][] {
  const words = ['good', 'bad', 'fine', 'great', 'poor', 'ok'];
  return Array.from({ length: ROWS }, (_, i) => [
    `../media/${i % 2}_${i}.png`,
    `../media/${i % 2}_${i}.wav`,
    String((i * 7) % 11),
    String(((i * 3) % 5) / 5),
    ['x', 'y', 'z'][i % 3]!,
    `${words[i % 6]} ${words[(i + 2) % 6]}`,
    String(i % 2),
    i < 10 ? 'train' : i < 13 ? 'validation' : 'test',
  ]);
}

const csvCell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const toCsv = (header: string[], rows: string[][]): string => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

// ---------------------------------------------------------------- damaged media

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG whose header claims `w`×`h` pixels, with a tiny (valid-CRC) body: a decompression bomb's shape. */
function pngClaiming(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A WAV header with the given fields and `dataBytes` of samples (the header's data size may lie). */
function wav(o: { channels: number; rate: number; bits: number; dataSize: number; dataBytes: number }): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + o.dataSize), 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(o.channels, 22);
  h.writeUInt32LE(o.rate, 24);
  h.writeUInt32LE(Math.floor((o.rate * o.channels * o.bits) / 8) % 2 ** 32, 28);
  h.writeUInt16LE(Math.floor((o.channels * o.bits) / 8) % 2 ** 16, 32);
  h.writeUInt16LE(o.bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(o.dataSize, 40);
  return Buffer.concat([h, Buffer.alloc(o.dataBytes, 7)]);
}

function damagedMedia(g: Gen, good: { png: Buffer; wav: Buffer }): { name: string; bytes: Buffer; what: string } {
  const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => g.int(0, 255)));
  switch (g.int(0, 9)) {
    case 0:
      return { name: 'bad.png', bytes: good.png.subarray(0, g.int(0, good.png.length - 1)), what: 'truncated PNG' };
    case 1:
      return { name: 'bad.png', bytes: randomBytes(g.int(1, 400)), what: 'random bytes as PNG' };
    case 2:
      return {
        name: 'bad.png',
        bytes: pngClaiming(g.pick([0, 1, 60000, 100000]), g.pick([0, 1, 60000, 100000])),
        what: 'PNG claiming huge/zero size',
      };
    case 3:
      return { name: 'bad.png', bytes: good.wav, what: 'a WAV named .png' };
    case 4:
      return { name: 'bad.wav', bytes: good.wav.subarray(0, g.int(0, 60)), what: 'truncated WAV' };
    case 5:
      return { name: 'bad.wav', bytes: randomBytes(g.int(1, 400)), what: 'random bytes as WAV' };
    case 6:
      return {
        name: 'bad.wav',
        bytes: wav({
          channels: g.pick([0, 1, 2, 65535]),
          rate: g.pick([0, 1, 8000, 4294967295]),
          bits: g.pick([0, 7, 16, 64]),
          dataSize: 0xffffffff,
          dataBytes: 64,
        }),
        what: 'WAV with a lying header',
      };
    case 7:
      return { name: 'bad.wav', bytes: good.png, what: 'a PNG named .wav' };
    case 8:
      return { name: g.pick(['bad.png', 'bad.wav']), bytes: Buffer.alloc(0), what: 'empty media file' };
    default:
      return {
        name: 'bad.wav',
        bytes: wav({ channels: 1, rate: 8000, bits: 16, dataSize: 2 ** 30, dataBytes: 2000 }),
        what: 'WAV claiming 1 GB of samples',
      };
  }
}

// ---------------------------------------------------------------- mutations

type Json = Record<string, unknown>;

function allPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => allPaths(x, [...prefix, k]))];
}

function parentOf(root: Json, p: (string | number)[]): Record<string | number, unknown> | undefined {
  let node: unknown = root;
  for (const k of p.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

interface ConfigCase {
  yaml: string;
  set: string[];
  extra: Record<string, string>;
  what: string[];
}

function mutateConfig(g: Gen): ConfigCase {
  const obj = structuredClone(BASE) as Json;
  const what: string[] = [];
  const set: string[] = [];
  const extra: Record<string, string> = {};
  const textOps: ((t: string) => string)[] = [];
  for (let n = g.int(1, 3); n > 0; n--) {
    const paths = allPaths(obj).filter((p) => p.length > 0);
    const p = g.pick(paths);
    const shown = p.join('.');
    switch (g.int(0, 11)) {
      case 0: {
        const parent = parentOf(obj, p);
        if (parent && !Array.isArray(parent)) delete parent[p[p.length - 1]!];
        else if (Array.isArray(parent)) parent.splice(Number(p[p.length - 1]), 1);
        what.push(`delete ${shown}`);
        break;
      }
      case 1:
      case 2: {
        const parent = parentOf(obj, p);
        const v = hostileValue(g);
        if (parent) parent[p[p.length - 1]!] = v;
        what.push(`${shown} = ${JSON.stringify(v)?.slice(0, 40)}`);
        break;
      }
      case 3: {
        const parent = parentOf(obj, p);
        if (parent && !Array.isArray(parent)) {
          const k = p[p.length - 1] as string;
          const name = g.pick(ODD_TEXT);
          parent[name] = parent[k];
          delete parent[k];
          what.push(`rename ${shown} to ${JSON.stringify(name).slice(0, 30)}`);
        }
        break;
      }
      case 4: {
        const parent = parentOf(obj, [...p, 'x']);
        if (parent && !Array.isArray(parent)) parent[g.pick(['extra', 'trainig', 'Inputs', 'ｎａｍｅ'])] = hostileValue(g);
        what.push(`unknown key under ${shown}`);
        break;
      }
      case 5: {
        const v = hostileValue(g);
        const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
        const target = g.chance(0.7)
          ? shown
          : g.pick(['a.b.c', 'inputs.x.columns.99', '__proto__.polluted', 'inputs["a.b"].type', '', '.', 'training..epochs']);
        set.push(`${target}=${text}`);
        what.push(`--set ${target}=${text.slice(0, 30)}`);
        break;
      }
      case 6: {
        const parent = parentOf(obj, p);
        const ref = g.pick([
          '${UNSET_FUZZ_VAR}',
          '${FUZZ_NUMBER}',
          '${FUZZ_NUMBER:-2}',
          '${FUZZ_TEXT}',
          '$${literal}',
          '${FUZZ_API_TOKEN}',
        ]);
        if (parent) parent[p[p.length - 1]!] = ref;
        what.push(`${shown} = ${ref}`);
        break;
      }
      case 7: {
        const target = g.pick(['missing.yaml', 'exp.yaml', '.', '/dev/null', 'base.yaml', '../media', 'self-loop.yaml']);
        obj.extends = target;
        if (target === 'base.yaml') extra['base.yaml'] = stringify({ training: { epochs: hostileValue(g) } });
        if (target === 'self-loop.yaml') extra['self-loop.yaml'] = 'extends: exp.yaml\n';
        what.push(`extends: ${target}`);
        break;
      }
      case 8:
        textOps.push((t) => {
          const lines = t.split('\n');
          const i = g.int(0, lines.length - 2);
          lines.splice(i, 0, lines[i]!);
          return lines.join('\n');
        });
        what.push('duplicate a line');
        break;
      case 9:
        textOps.push((t) => t.slice(0, g.int(0, t.length)));
        what.push('truncate the file');
        break;
      case 10:
        textOps.push((t) => {
          const i = g.int(0, t.length);
          return (
            t.slice(0, i) +
            g.pick(['\t', '\u0000', '\ufeff', '{', ']', ': :', '&a ', '*a', '! ', '"', "'", '#', '\r', '\u2028']) +
            t.slice(i)
          );
        });
        what.push('insert a stray character');
        break;
      default:
        if (g.chance(0.5)) {
          // an alias a config may use: the experiment named after the description
          textOps.push((t) => `description: &d "fuzz run"\n${t.replace(/experiment: fuzz/, 'experiment: *d')}`);
          what.push('an alias');
        } else {
          // an alias bomb: 10 levels of 10 aliases each, where a string is wanted
          const levels = Array.from({ length: 10 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
          textOps.push((t) => `${t}description:\n  l0: &l0 lol\n${levels.map((l) => `  ${l}`).join('\n')}\n`);
          what.push('an alias bomb');
        }
    }
  }
  let yaml = stringify(obj);
  for (const op of textOps) yaml = op(yaml);
  return { yaml, set, extra, what };
}

interface DataCase {
  csv: Buffer;
  media: { name: string; bytes: Buffer }[];
  config: Json;
  what: string[];
}

function mutateData(g: Gen, good: { png: Buffer; wav: Buffer }): DataCase {
  let header = [...HEADER];
  let rows = baseRows();
  const config = structuredClone(BASE) as Json;
  const media: { name: string; bytes: Buffer }[] = [];
  const what: string[] = [];
  let textOp: ((b: Buffer) => Buffer) | undefined;
  if (g.chance(0.5)) {
    (config.data as Json).on_error = 'skip';
    what.push('on_error: skip');
  }
  for (let n = g.int(1, 2); n > 0; n--) {
    const row = g.int(0, ROWS - 1);
    switch (g.int(0, 9)) {
      case 0:
      case 1: {
        const m = damagedMedia(g, good);
        media.push(m);
        rows[row]![m.name.endsWith('.png') ? 0 : 1] = m.name;
        what.push(`row ${row + 1}: ${m.what}`);
        break;
      }
      case 2: {
        const p = g.pick([
          'missing.png',
          '.',
          '/dev/zero',
          '/dev/null',
          '/etc',
          '../../../../../../etc/hostname',
          '',
          '../media',
          'm.csv',
          'a'.repeat(300) + '.png',
        ]);
        rows[row]![g.int(0, 1)] = p;
        what.push(`row ${row + 1}: media path ${JSON.stringify(p).slice(0, 40)}`);
        break;
      }
      case 3: {
        const col = g.int(0, header.length - 1);
        const v = g.pick([
          '',
          'NaN',
          'nan',
          '1e999',
          '-1e999',
          '-0',
          'abc',
          '٣',
          '１２',
          '0x10',
          ' 1 ',
          '9'.repeat(400),
          '"',
          '\u0000',
          'a\nb',
          '😀',
          'x'.repeat(100_000),
        ]);
        rows[row]![col] = v;
        what.push(`row ${row + 1} ${header[col]} = ${JSON.stringify(v).slice(0, 30)}`);
        break;
      }
      case 4: {
        const col = g.int(0, header.length - 1);
        const op = g.int(0, 2);
        if (op === 0) {
          header = header.filter((_, i) => i !== col);
          rows = rows.map((r) => r.filter((_, i) => i !== col));
          what.push(`drop column ${HEADER[col]}`);
        } else if (op === 1) {
          header[col] = header[(col + 1) % header.length]!;
          what.push(`duplicate header ${header[col]}`);
        } else {
          header[col] = g.pick(['', ' img', 'IMG', 'ｉｍｇ', '__proto__', 'label\u200b']);
          what.push(`rename column ${HEADER[col]} to ${JSON.stringify(header[col])}`);
        }
        break;
      }
      case 5: {
        const v = g.pick(['1', '', 'ǅ', 'a,b']);
        rows = rows.map((r) => ((r[6] = v === '1' ? '1' : r[6] === '0' ? v : r[6]!), r));
        what.push(`labels: ${v === '1' ? 'one class only' : `class 0 written ${JSON.stringify(v)}`}`);
        break;
      }
      case 6: {
        const v = g.pick(['train', 'TEST', 'holdout', '']);
        rows = rows.map((r, i) => (i >= 10 ? ((r[7] = v), r) : r));
        what.push(`split of the last rows: ${JSON.stringify(v)}`);
        break;
      }
      case 7:
        rows[row] = rows[row]!.slice(0, g.int(0, header.length + 3));
        while (rows[row]!.length < g.int(0, header.length + 3)) rows[row]!.push('extra');
        what.push(`row ${row + 1} with ${rows[row]!.length} fields`);
        break;
      case 8: {
        const k = g.int(0, 5);
        textOp = [
          (b: Buffer) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]),
          (b: Buffer) => Buffer.from(b.toString('utf8').replace(/\n/g, '\r\n')),
          (b: Buffer) => b.subarray(0, g.int(0, b.length)),
          () => Buffer.alloc(0),
          (b: Buffer) => Buffer.from(b.toString('utf8').split('\n')[0]! + '\n'),
          (b: Buffer) => Buffer.from(b.toString('utf8').replace(',', ',"')),
        ][k];
        what.push(['BOM', 'CRLF', 'truncated CSV', 'empty CSV', 'header only', 'unbalanced quote'][k]!);
        break;
      }
      default: {
        const nul = Buffer.from([0, 0xff, 0xfe, 0]);
        textOp = (b) => Buffer.concat([b.subarray(0, Math.floor(b.length / 2)), nul, b.subarray(Math.floor(b.length / 2))]);
        what.push('binary bytes in the CSV');
      }
    }
  }
  let csv: Buffer = Buffer.from(toCsv(header, rows));
  if (textOp) csv = textOp(csv);
  return { csv, media, config, what };
}

// ---------------------------------------------------------------- the run

interface Planned {
  id: string;
  dir: string;
  command: 'validate' | 'run';
  file: string;
  set: string[];
  what: string[];
}

interface Outcome {
  code?: number;
  rss?: number;
  stdout: string;
  stderr: string;
  crash?: string;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Runs the cases in the runner; a case that does not end within `caseMs` is a hang (the runner is killed). */
function runCases(
  cases: Planned[],
  root: string,
  caseMs: (c: Planned) => number,
): Promise<{ outcomes: Map<string, Outcome>; hang?: string }> {
  const list = path.join(root, 'cases.json');
  writeFileSync(list, JSON.stringify(cases.map(({ id, dir, command, file, set }) => ({ id, dir, command, file, set }))));
  const byId = new Map(cases.map((c) => [c.id, c]));
  const outcomes = new Map<string, Outcome>();
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--import', import.meta.resolve('../setup.ts'), RUNNER, list],
    {
      cwd: root,
      env: { ...process.env, CI: 'true', FUZZ_NUMBER: '3', FUZZ_TEXT: 'hello', FUZZ_API_TOKEN: 'tok-123456', MMX_SHUTDOWN_DEADLINE_S: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let hang: string | undefined;
  const outcome = (id: string): Outcome => {
    let o = outcomes.get(id);
    if (!o) outcomes.set(id, (o = { stdout: '', stderr: '' }));
    return o;
  };
  const reader = (stream: 'stdout' | 'stderr') => {
    let buf = '';
    let id: string | undefined;
    return (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^\x1e(CASE|END|CRASH|DONE) ?(\S*) ?(.*)$/.exec(line);
        if (!m) {
          if (id) outcome(id)[stream] += line + '\n';
          continue;
        }
        const [, kind, caseId, rest] = m;
        if (kind === 'CASE') {
          id = caseId;
          if (stream === 'stdout') {
            current = caseId;
            clearTimeout(timer);
            timer = setTimeout(
              () => {
                hang = current;
                child.kill('SIGKILL');
              },
              caseMs(byId.get(caseId!)!),
            );
          }
        } else if (kind === 'END') {
          const [code, rss] = rest!.split(' ').map(Number);
          if (stream === 'stdout') Object.assign(outcome(caseId!), { code, rss });
          id = undefined;
        } else if (kind === 'CRASH') outcome(caseId!).crash = rest;
        else if (kind === 'DONE') clearTimeout(timer);
      }
    };
  };
  child.stdout.setEncoding('utf8').on('data', reader('stdout'));
  child.stderr.setEncoding('utf8').on('data', reader('stderr'));
  return new Promise((resolve) =>
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ outcomes, ...(hang ? { hang } : {}) });
    }),
  );
}

/** Where an exit-2 message may point: the config, a file it extends, the manifest, a media file, a row, a flag. */
const POSITION = /(?:exp|base|self-loop|missing)\.yaml|m\.csv|--set|\.png|\.wav|\brow \d|\/dev\/|\/etc|media|\bextends\b/;
const STACK = /^\s+at .*(?:\(|:\d+:\d+)/m;

function judge(c: Planned, o: Outcome | undefined, seed: number): string | undefined {
  const head = `seed ${seed} ${c.id} (${c.command}; ${c.what.join('; ')})`;
  if (!o || o.code === undefined) return `${head}: no outcome${o?.crash ? `: crashed: ${o.crash}` : ''}\n${o?.stderr.slice(-1500) ?? ''}`;
  if (o.crash) return `${head}: crashed: ${o.crash}`;
  if (o.code !== 0 && o.code !== 2) return `${head}: exit ${o.code}\n${o.stderr.slice(-1500)}`;
  if (o.code === 2) {
    if (STACK.test(o.stderr)) return `${head}: exit 2 with a stack trace\n${o.stderr.slice(-1500)}`;
    if (!o.stderr.trim()) return `${head}: exit 2 without a message`;
    if (!POSITION.test(o.stderr)) return `${head}: exit 2 without saying where\n${o.stderr.slice(-800)}`;
  }
  if (o.rss !== undefined && o.rss > MAX_RSS) return `${head}: ${(o.rss / 2 ** 30).toFixed(2)} GB resident`;
  return undefined;
}

describe('hostile inputs (seeded fuzz): exit 0, or exit 2 saying where; never 1, a crash, a hang or 1.5 GB', () => {
  it(
    `${CONFIG_CASES} configs, ${DATA_CASES} manifests and media with mmx validate, ${RUN_CASES} of them with mmx run`,
    { timeout: 900_000 },
    async () => {
      const root = tempDir('mmx-fuzz-');
      const g = new Gen(prng(SEED));
      // real media around the damaged ones: MNIST digits and FSDD recordings of 0 and 1
      const mediaDir = path.join(root, 'media');
      mkdirSync(mediaDir);
      const mnist = (d: number) => readdirSync(dataPath('avmnist', 'mnist_png', String(d))).slice(0, ROWS);
      for (let i = 0; i < ROWS; i++) {
        const d = i % 2;
        copyFileSync(dataPath('avmnist', 'mnist_png', String(d), mnist(d)[i]!), path.join(mediaDir, `${d}_${i}.png`));
        copyFileSync(dataPath('fsdd', 'recordings', `${d}_george_${i}.wav`), path.join(mediaDir, `${d}_${i}.wav`));
      }
      const good = { png: readFileSync(path.join(mediaDir, '0_0.png')), wav: readFileSync(path.join(mediaDir, '0_0.wav')) };
      const baseCsv = toCsv(HEADER, baseRows());

      const cases: Planned[] = [];
      const caseDir = (id: string): string => {
        const dir = path.join(root, id);
        mkdirSync(dir);
        return dir;
      };
      // the unmutated config, both ways: the generator's starting point is a config that works
      for (const command of ['validate', 'run'] as const) {
        const dir = caseDir(`base-${command}`);
        writeFileSync(path.join(dir, 'exp.yaml'), stringify(BASE));
        writeFileSync(path.join(dir, 'm.csv'), baseCsv);
        cases.push({ id: `base-${command}`, dir, command, file: 'exp.yaml', set: [], what: ['no mutation'] });
      }
      for (let i = 0; i < CONFIG_CASES; i++) {
        const c = mutateConfig(g);
        const id = `config-${i}`;
        const dir = caseDir(id);
        writeFileSync(path.join(dir, 'exp.yaml'), c.yaml);
        writeFileSync(path.join(dir, 'm.csv'), baseCsv);
        for (const [name, text] of Object.entries(c.extra)) writeFileSync(path.join(dir, name), text);
        // a tenth of them run: what validation lets through must train, or stop with exit 2
        cases.push({ id, dir, command: g.chance(0.1) ? 'run' : 'validate', file: 'exp.yaml', set: c.set, what: c.what });
      }
      const runEvery = Math.max(1, Math.floor(DATA_CASES / Math.max(1, RUN_CASES)));
      for (let i = 0; i < DATA_CASES; i++) {
        const c = mutateData(g, good);
        const id = `data-${i}`;
        const dir = caseDir(id);
        writeFileSync(path.join(dir, 'exp.yaml'), stringify(c.config));
        writeFileSync(path.join(dir, 'm.csv'), c.csv);
        for (const m of c.media) writeFileSync(path.join(dir, m.name), m.bytes);
        const run = RUN_CASES > 0 && i % runEvery === 0 && cases.filter((x) => x.command === 'run').length <= RUN_CASES;
        cases.push({ id, dir, command: run ? 'run' : 'validate', file: 'exp.yaml', set: [], what: c.what });
      }

      const t0 = performance.now();
      const { outcomes, hang } = await runCases(cases, root, (c) => (c.command === 'run' ? 120_000 : 30_000));
      const seconds = (performance.now() - t0) / 1000;
      const codes = [...outcomes.values()].reduce<Record<string, number>>(
        (acc, o) => ((acc[String(o.code)] = (acc[String(o.code)] ?? 0) + 1), acc),
        {},
      );
      const maxRss = Math.max(...[...outcomes.values()].map((o) => o.rss ?? 0));
      console.log(
        `# fuzz seed ${SEED}: ${cases.length} cases in ${seconds.toFixed(1)} s; exit codes ${JSON.stringify(codes)}; peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MB`,
      );

      if (process.env.MMX_FUZZ_VERBOSE)
        for (const c of cases) {
          const o = outcomes.get(c.id);
          console.log(`# ${c.id} [${c.what.join('; ')}] → ${o?.code}: ${(o?.stderr.trim().split('\n')[0] ?? '').slice(0, 200)}`);
        }
      const failures: string[] = [];
      if (hang) {
        const c = cases.find((x) => x.id === hang)!;
        failures.push(
          `seed ${SEED} ${hang} (${c.command}; ${c.what.join('; ')}): did not end (a hang)\n${outcomes.get(hang)?.stderr.slice(-1500) ?? ''}`,
        );
      }
      for (const c of cases) {
        if (c.id === hang) break;
        const f = judge(c, outcomes.get(c.id), SEED);
        if (f) failures.push(f);
      }
      // nothing is left RUNNING by a run that ended, however it ended
      for (const c of cases.filter((x) => x.command === 'run' && outcomes.get(x.id)?.code !== undefined)) {
        for (const meta of filesUnder(path.join(c.dir, 'runs')).filter((f) => f.endsWith('meta.yaml'))) {
          if (/^status: 1$/m.test(readFileSync(meta, 'utf8')))
            failures.push(`seed ${SEED} ${c.id} (${c.what.join('; ')}): run left RUNNING (${meta})`);
        }
      }
      assert.equal(outcomes.get('base-validate')?.code, 0, outcomes.get('base-validate')?.stderr);
      assert.equal(outcomes.get('base-run')?.code, 0, outcomes.get('base-run')?.stderr);
      assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed:\n\n${failures.join('\n\n')}`);
    },
  );
});
