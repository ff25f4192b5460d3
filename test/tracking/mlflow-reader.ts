/**
 * A strict, independent TypeScript re-implementation of the READ path of MLflow's file store,
 * used as the oracle in the tracking tests ("would MLflow read this, and read it the same?").
 *
 * Followed (MLflow 2.x, mlflow/mlflow at the 2.14-era commit 001cc178, whose layout matches
 * every release since 1.29):
 *   mlflow/store/tracking/file_store.py  search_experiments, _get_experiment, _find_run_root,
 *       _get_run_info_from_dir, _read_persisted_run_info_dict, _list_run_infos,
 *       _get_resource_files, _get_metric_from_file, _get_metric_from_line, _get_param_from_file,
 *       _get_tag_from_file, get_metric_history
 *   mlflow/utils/file_utils.py           read_yaml (PyYAML SafeLoader, utf-8), read_file,
 *       read_file_lines (codecs readlines = str.splitlines), list_subdirs, find
 *   mlflow/utils/validation.py           metric/param/tag names, run and experiment ids
 *   mlflow/entities/experiment.py, run_info.py, run_status.py, lifecycle_stage.py
 *   PyYAML lib/yaml/resolver.py          implicit YAML 1.1 type resolution of plain scalars
 *
 * Everything MLflow rejects raises MlflowReadError here. Where MLflow only logs a warning and
 * skips the item (a malformed experiment or run, an id that does not match its folder), this
 * reader throws too, and it also insists on the exact field set MLflow itself writes, so the
 * tests catch any drift in what mmx writes.
 */
import fs from 'node:fs';
import path from 'node:path';

import YAML, { isMap, isScalar, isSeq, Scalar } from 'yaml';

export class MlflowReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MlflowReadError';
  }
}

function fail(msg: string): never {
  throw new MlflowReadError(msg);
}

// ------------------------------------------------------------------ PyYAML SafeLoader

/** A value as Python would hold it after yaml.safe_load. */
export type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'timestamp'; v: string }
  | { t: 'list'; v: PyValue[] };

// PyYAML's implicit resolvers (lib/yaml/resolver.py), keyed by first character as PyYAML does.
const RE_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const RE_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const RE_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const RE_MERGE = /^(?:<<)$/;
const RE_NULL = /^(?:~|null|Null|NULL|)$/;
const RE_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const RE_VALUE = /^(?:=)$/;

type Tag = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'str';
const RESOLVERS: [Tag, RegExp, string[]][] = [
  ['bool', RE_BOOL, [...'yYnNtTfFoO']],
  ['float', RE_FLOAT, [...'-+0123456789.']],
  ['int', RE_INT, [...'-+0123456789']],
  ['merge', RE_MERGE, ['<']],
  ['null', RE_NULL, ['~', 'n', 'N', '']],
  ['timestamp', RE_TIMESTAMP, [...'0123456789']],
  ['value', RE_VALUE, ['=']],
];

function resolvePlain(value: string): Tag {
  const first = value === '' ? '' : value[0]!;
  for (const [tag, re, firsts] of RESOLVERS) {
    if (firsts.includes(first) && re.test(value)) return tag;
  }
  return 'str';
}

/** SafeConstructor.construct_yaml_int */
function constructInt(src: string): bigint {
  let v = src.replace(/_/g, '');
  let sign = 1n;
  if (v[0] === '-') sign = -1n;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0n;
  if (v.startsWith('0b')) return sign * BigInt(`0b${v.slice(2)}`);
  if (v.startsWith('0x')) return sign * BigInt(`0x${v.slice(2)}`);
  if (v[0] === '0') return sign * BigInt(`0o${v.slice(1)}`);
  if (v.includes(':')) {
    let base = 1n;
    let out = 0n;
    for (const d of v.split(':').reverse()) {
      out += BigInt(d) * base;
      base *= 60n;
    }
    return sign * out;
  }
  return sign * BigInt(v);
}

/** SafeConstructor.construct_yaml_float (sexagesimal floats are not used by MLflow; rejected) */
function constructFloat(src: string): number {
  const v = src.replace(/_/g, '').toLowerCase();
  if (v.includes(':')) fail(`sexagesimal float '${src}' is not expected in an MLflow meta.yaml`);
  if (v === '.nan') return NaN;
  if (v.endsWith('.inf')) return v.startsWith('-') ? -Infinity : Infinity;
  return Number(v);
}

/** PyYAML's Reader rejects any character outside this set (and does so before parsing). */
const NON_PRINTABLE = /[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function toPy(node: unknown, where: string): PyValue {
  if (isScalar(node)) {
    const s = node as Scalar;
    if (s.type === Scalar.PLAIN) {
      const src = typeof s.source === 'string' ? s.source : String(s.value);
      const tag = resolvePlain(src);
      switch (tag) {
        case 'str':
          return { t: 'str', v: src };
        case 'int':
          return { t: 'int', v: constructInt(src) };
        case 'float':
          return { t: 'float', v: constructFloat(src) };
        case 'bool':
          return { t: 'bool', v: /^(?:yes|true|on)$/i.test(src) };
        case 'null':
          return { t: 'null' };
        case 'timestamp':
          return { t: 'timestamp', v: src };
        default:
          // merge / value: SafeConstructor has no constructor for these tags as scalar values
          return fail(`${where}: could not determine a constructor for the tag 'tag:yaml.org,2002:${tag}' ('${src}')`);
      }
    }
    if (typeof s.value !== 'string') fail(`${where}: unexpected quoted scalar`);
    return { t: 'str', v: s.value };
  }
  if (isSeq(node)) return { t: 'list', v: node.items.map((n) => toPy(n, where)) };
  if (node === null || node === undefined) return { t: 'null' }; // `key:` with nothing after it
  return fail(`${where}: nested mappings are not expected in an MLflow meta.yaml`);
}

/** mlflow.utils.file_utils.read_yaml: utf-8 (strict), PyYAML SafeLoader. Returns the top-level mapping. */
export function readYaml(file: string): Map<string, PyValue> {
  if (!fs.existsSync(file)) fail(`Yaml file '${file}' does not exist.`); // MissingConfigException
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch {
    return fail(`${file}: not valid UTF-8`);
  }
  const bad = NON_PRINTABLE.exec(text.startsWith('\uFEFF') ? text.slice(1) : text);
  if (bad) fail(`${file}: unacceptable character #x${bad[0].codePointAt(0)!.toString(16)}: special characters are not allowed`);
  const doc = YAML.parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) fail(`${file}: YAML error: ${doc.errors[0]!.message}`);
  const root = doc.contents;
  // an empty file loads as None; _read_yaml retries, then the caller fails on None
  if (root === null) fail(`${file}: empty YAML document`);
  if (!isMap(root)) fail(`${file}: top level is not a mapping`);
  const out = new Map<string, PyValue>();
  for (const pair of root.items) {
    if (!isScalar(pair.key) || typeof (pair.key as Scalar).value !== 'string') fail(`${file}: non-string key`);
    const key = (pair.key as Scalar).value as string;
    out.set(key, toPy(pair.value, `${file}: ${key}`));
  }
  return out;
}

// ------------------------------------------------------------------ validation.py

const VALID_NAME = /^[/\p{L}\p{N}_.\- ]*$/u;
const RUN_ID_REGEX = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID_REGEX = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** posixpath.normpath */
function normpath(p: string): string {
  if (p === '') return '.';
  let slashes = p.startsWith('/') ? 1 : 0;
  if (p.startsWith('//') && !p.startsWith('///')) slashes = 2;
  const comps: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..' || (slashes === 0 && comps.length === 0) || comps[comps.length - 1] === '..') comps.push(c);
    else if (comps.length > 0) comps.pop();
  }
  return '/'.repeat(slashes) + comps.join('/') || '.';
}

export function validateEntityName(kind: string, name: string): void {
  if (!VALID_NAME.test(name))
    fail(`Invalid ${kind} name: '${name}'. Names may only contain alphanumerics, underscores, dashes, periods, spaces, and slashes.`);
  const norm = normpath(name);
  if (norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    fail(
      `Invalid ${kind} name: '${name}'. Names ... must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
    );
  }
}

export function validateRunId(id: string): void {
  if (!RUN_ID_REGEX.test(id)) fail(`Invalid run ID: '${id}'`);
}

export function validateExperimentId(id: string): void {
  if (!EXPERIMENT_ID_REGEX.test(id)) fail(`Invalid experiment ID: '${id}'`);
}

// ------------------------------------------------------------------ entities

export const RUN_STATUS_NAMES: Record<number, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  runUuid: string;
  runName: string | null;
  experimentId: string;
  userId: string;
  status: string;
  startTime: number;
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  artifactUri: string;
  /** the raw persisted fields, for format checks */
  raw: Map<string, PyValue>;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Run {
  info: RunInfo;
  /** latest value per key, chosen as MLflow does: max by (step, timestamp, value) */
  metrics: Record<string, Metric>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** exactly what FileStore._create_experiment_with_id writes */
const EXPERIMENT_FIELDS = ['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name'];
/** exactly what _make_persisted_run_info_dict writes; deleted_time is added at creation and for deleted runs */
const RUN_FIELDS = [
  'artifact_uri',
  'end_time',
  'entry_point_name',
  'experiment_id',
  'lifecycle_stage',
  'run_id',
  'run_name',
  'run_uuid',
  'source_name',
  'source_type',
  'source_version',
  'start_time',
  'status',
  'tags',
  'user_id',
];
const OPTIONAL_RUN_FIELDS = ['deleted_time'];

function checkFieldSet(file: string, meta: Map<string, PyValue>, required: string[], optional: string[]): void {
  for (const k of required) if (!meta.has(k)) fail(`${file}: missing field '${k}'`);
  for (const k of meta.keys()) if (!required.includes(k) && !optional.includes(k)) fail(`${file}: unexpected field '${k}'`);
}

function pyStr(meta: Map<string, PyValue>, k: string, file: string): string {
  const v = meta.get(k);
  if (v?.t !== 'str') fail(`${file}: '${k}' must be a str, got ${v?.t ?? 'nothing'}`);
  return v.v;
}

function pyIntOrNull(meta: Map<string, PyValue>, k: string, file: string): number | null {
  const v = meta.get(k);
  if (v === undefined || v.t === 'null') return null;
  if (v.t !== 'int') fail(`${file}: '${k}' must be an int or null, got ${v.t}`);
  if (v.v < 0n || v.v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${file}: '${k}' out of range`);
  return Number(v.v);
}

function pyIdString(meta: Map<string, PyValue>, k: string, file: string): string {
  const v = meta.get(k);
  // legacy metas stored ids as int; MLflow casts them to str
  if (v?.t === 'int') return v.v.toString();
  return pyStr(meta, k, file);
}

// ------------------------------------------------------------------ file_utils.py

function listSubdirs(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail(`Invalid parent directory '${dir}'`);
  return fs
    .readdirSync(dir)
    .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
    .sort();
}

/** str.splitlines(keepends=True), which codecs' readlines uses */
function splitlines(text: string): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(text.slice(last, m.index + m[0].length));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function readUtf8(file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch (e) {
    return fail(`${file}: cannot be read as UTF-8 (${(e as Error).message})`);
  }
}

/** _get_resource_files: every file under <root>/<sub>, as '/'-joined relative paths */
function resourceFiles(root: string, sub: string): { dir: string; names: string[] } {
  const dir = path.join(root, sub);
  if (!fs.existsSync(dir)) return { dir, names: [] };
  const names: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else names.push(r);
    }
  };
  walk(dir, '');
  return { dir, names: names.sort() };
}

// ------------------------------------------------------------------ Python number parsing

const PY_INT = /^[+-]?\d(?:_?\d)*$/;
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT_NUM = new RegExp(String.raw`^[+-]?(?:${DIGITS}\.(?:${DIGITS})?|\.${DIGITS}|${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const PY_FLOAT_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Python's int(str) (base 10) */
export function pyInt(s: string, what: string): number {
  const t = s.trim();
  if (!PY_INT.test(t)) fail(`invalid literal for int() with base 10: '${s}' (${what})`);
  const n = Number(t.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) fail(`${what}: ${s} is outside the range this reader checks`);
  return n;
}

/** Python's float(str) */
export function pyFloat(s: string, what: string): number {
  const t = s.trim();
  if (PY_FLOAT_SPECIAL.test(t)) {
    const neg = t.startsWith('-');
    if (/nan/i.test(t)) return NaN;
    return neg ? -Infinity : Infinity;
  }
  if (!PY_FLOAT_NUM.test(t)) fail(`could not convert string to float: '${s}' (${what})`);
  return Number(t.replace(/_/g, ''));
}

// ------------------------------------------------------------------ the store

export class MlflowFileStoreReader {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
    // _check_root_dir
    if (!fs.existsSync(root)) fail(`'${root}' does not exist.`);
    if (!fs.statSync(root).isDirectory()) fail(`'${root}' is not a directory.`);
  }

  get trash(): string {
    return path.join(this.root, '.trash');
  }

  /** _get_active_experiments / _get_deleted_experiments */
  experimentIds(view: 'active' | 'deleted' | 'all' = 'active'): string[] {
    const ids: string[] = [];
    if (view !== 'deleted') ids.push(...listSubdirs(this.root).filter((n) => !n.endsWith('.trash') && n !== 'models'));
    if (view !== 'active' && fs.existsSync(this.trash)) ids.push(...listSubdirs(this.trash));
    return ids;
  }

  private experimentPath(id: string): string | undefined {
    for (const parent of [this.root, this.trash]) {
      const p = path.join(parent, id);
      if (fs.existsSync(parent) && fs.readdirSync(parent).includes(id)) return p;
    }
    return undefined;
  }

  /** _get_experiment, strict */
  getExperiment(id: string): Experiment {
    validateExperimentId(id);
    const dir = this.experimentPath(id);
    if (dir === undefined) fail(`Could not find experiment with ID ${id}`);
    const file = path.join(dir, 'meta.yaml');
    const meta = readYaml(file);
    checkFieldSet(file, meta, EXPERIMENT_FIELDS, []);
    const experimentId = pyIdString(meta, 'experiment_id', file);
    if (experimentId !== id) fail(`Experiment ID mismatch for exp ${id}. ID recorded as '${experimentId}' in meta data.`);
    const stage = pyStr(meta, 'lifecycle_stage', file);
    if (stage !== 'active' && stage !== 'deleted') fail(`${file}: invalid lifecycle stage '${stage}'`);
    const inTrash = path.dirname(dir) === this.trash;
    if ((stage === 'deleted') !== inTrash) fail(`${file}: lifecycle_stage '${stage}' but the folder is ${inTrash ? '' : 'not '}in .trash`);
    const tags: Record<string, string> = {};
    const res = resourceFiles(dir, 'tags');
    for (const n of res.names) {
      validateEntityName('tag', n);
      tags[n] = readUtf8(path.join(res.dir, ...n.split('/')));
    }
    return {
      experimentId,
      name: pyStr(meta, 'name', file),
      artifactLocation: pyStr(meta, 'artifact_location', file),
      lifecycleStage: stage,
      creationTime: pyIntOrNull(meta, 'creation_time', file),
      lastUpdateTime: pyIntOrNull(meta, 'last_update_time', file),
      tags,
    };
  }

  /** search_experiments: every experiment must load (MLflow would warn and skip a malformed one) */
  listExperiments(view: 'active' | 'deleted' | 'all' = 'active'): Experiment[] {
    return this.experimentIds(view)
      .map((id) => this.getExperiment(id))
      .sort((a, b) => (b.creationTime ?? 0) - (a.creationTime ?? 0) || (a.experimentId < b.experimentId ? -1 : 1));
  }

  /** get_experiment_by_name (active only) */
  getExperimentByName(name: string): Experiment | undefined {
    return this.listExperiments('active').find((e) => e.name === name);
  }

  /** _get_run_info_from_dir + _read_persisted_run_info_dict + RunInfo(...), strict */
  readRunInfo(runDir: string): RunInfo {
    const file = path.join(runDir, 'meta.yaml');
    const meta = readYaml(file);
    checkFieldSet(file, meta, RUN_FIELDS, OPTIONAL_RUN_FIELDS);
    const statusV = meta.get('status');
    if (statusV?.t !== 'int' || RUN_STATUS_NAMES[Number(statusV.v)] === undefined) {
      fail(
        `${file}: Could not get string corresponding to run status ${statusV?.t === 'int' ? statusV.v.toString() : (statusV?.t ?? 'nothing')}`,
      );
    }
    const stage = pyStr(meta, 'lifecycle_stage', file);
    if (stage !== 'active' && stage !== 'deleted') fail(`${file}: Invalid lifecycle stage '${stage}'`);
    const runId = pyStr(meta, 'run_id', file);
    const runUuid = pyStr(meta, 'run_uuid', file);
    validateRunId(runId);
    if (runUuid !== runId) fail(`${file}: run_uuid '${runUuid}' differs from run_id '${runId}'`);
    if (path.basename(runDir) !== runId) fail(`${file}: run_id '${runId}' does not match its folder`);
    const startTime = pyIntOrNull(meta, 'start_time', file);
    if (startTime === null) fail(`${file}: start_time cannot be None`);
    const runNameV = meta.get('run_name');
    if (runNameV?.t !== 'str' && runNameV?.t !== 'null') fail(`${file}: run_name must be a str`);
    const tagsV = meta.get('tags');
    if (tagsV?.t !== 'list' || tagsV.v.length !== 0) fail(`${file}: tags must be []`);
    const sourceType = meta.get('source_type');
    if (sourceType?.t !== 'int') fail(`${file}: source_type must be an int`);
    for (const k of ['entry_point_name', 'source_name', 'source_version']) pyStr(meta, k, file);
    pyIntOrNull(meta, 'deleted_time', file);
    return {
      runId,
      runUuid,
      runName: runNameV.t === 'str' ? runNameV.v : null,
      experimentId: pyIdString(meta, 'experiment_id', file),
      userId: pyStr(meta, 'user_id', file),
      status: RUN_STATUS_NAMES[Number(statusV.v)]!,
      startTime,
      endTime: pyIntOrNull(meta, 'end_time', file),
      lifecycleStage: stage,
      artifactUri: pyStr(meta, 'artifact_uri', file),
      raw: meta,
    };
  }

  /** _find_run_root: the first experiment (active, then deleted) holding a folder named run_id */
  findRunDir(runId: string): { experimentId: string; runDir: string } {
    validateRunId(runId);
    for (const view of ['active', 'deleted'] as const) {
      const parent = view === 'active' ? this.root : this.trash;
      for (const id of this.experimentIds(view)) {
        const expDir = path.join(parent, id);
        if (fs.readdirSync(expDir).includes(runId)) return { experimentId: id, runDir: path.join(expDir, runId) };
      }
    }
    return fail(`Run '${runId}' not found`);
  }

  /** _list_run_infos (ViewType.ALL), strict */
  listRunInfos(experimentId: string): RunInfo[] {
    const dir = this.experimentPath(experimentId);
    if (dir === undefined) return [];
    const reserved = ['tags', 'datasets', 'traces'];
    return listSubdirs(dir)
      .filter((n) => !reserved.includes(n))
      .map((n) => {
        const info = this.readRunInfo(path.join(dir, n));
        if (info.experimentId !== experimentId) fail(`Wrong experiment ID (${info.experimentId}) recorded for run '${info.runId}'`);
        return info;
      });
  }

  /** _get_metric_from_line */
  static parseMetricLine(key: string, line: string, expId: string): Metric {
    const parts = line.trim().split(' ');
    if (parts.length !== 2 && parts.length !== 3) {
      fail(
        `Metric '${key}' is malformed; persisted metric data contained ${parts.length} fields. Expected 2 or 3 fields. Experiment id: ${expId}`,
      );
    }
    const timestamp = pyInt(parts[0]!, `timestamp of metric '${key}'`);
    const value = pyFloat(parts[1]!, `value of metric '${key}'`);
    const step = parts.length === 3 ? pyInt(parts[2]!, `step of metric '${key}'`) : 0;
    return { key, value, timestamp, step };
  }

  getMetricHistory(runId: string, key: string): Metric[] {
    validateEntityName('metric', key);
    const { experimentId, runDir } = this.findRunDir(runId);
    const res = resourceFiles(runDir, 'metrics');
    if (!res.names.includes(key)) return [];
    return splitlines(readUtf8(path.join(res.dir, ...key.split('/')))).map((l) =>
      MlflowFileStoreReader.parseMetricLine(key, l, experimentId),
    );
  }

  /** get_run */
  getRun(runId: string): Run {
    const { experimentId, runDir } = this.findRunDir(runId);
    const info = this.readRunInfo(runDir);
    if (info.experimentId !== experimentId) fail(`Run '${runId}' metadata is in invalid state.`);
    const metrics: Record<string, Metric> = {};
    const mres = resourceFiles(runDir, 'metrics');
    for (const key of mres.names) {
      validateEntityName('metric', key);
      const lines = splitlines(readUtf8(path.join(mres.dir, ...key.split('/'))));
      const objs = lines.map((l) => MlflowFileStoreReader.parseMetricLine(key, l, experimentId));
      if (objs.length === 0) fail(`Metric '${key}' is malformed. No data found.`);
      // max(..., key=lambda m: (m.step, m.timestamp, m.value)) with Python tuple ordering
      let best = objs[0]!;
      for (const m of objs.slice(1)) {
        const a = [m.step, m.timestamp, m.value];
        const b = [best.step, best.timestamp, best.value];
        const i = a.findIndex((x, j) => x !== b[j]);
        if (i >= 0 && a[i]! > b[i]!) best = m;
      }
      metrics[key] = best;
    }
    const readAll = (sub: string, kind: string): Record<string, string> => {
      const out: Record<string, string> = {};
      const res = resourceFiles(runDir, sub);
      for (const n of res.names) {
        validateEntityName(kind, n);
        out[n] = readUtf8(path.join(res.dir, ...n.split('/')));
      }
      return out;
    };
    const params = readAll('params', 'param');
    const tags = readAll('tags', 'tag');
    if (!info.runName && tags['mlflow.runName']) info.runName = tags['mlflow.runName'];
    return { info, metrics, params, tags };
  }

  /** LocalArtifactRepository: files under local_file_uri_to_path(artifact_uri), '/'-joined */
  listArtifacts(runId: string): string[] {
    const { info } = this.getRun(runId);
    if (!info.artifactUri.startsWith('file://')) fail(`artifact_uri '${info.artifactUri}' is not a local file URI`);
    const dir = decodeURIComponent(new URL(info.artifactUri).pathname);
    if (!fs.existsSync(dir)) return [];
    const names: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const r = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) walk(path.join(d, e.name), r);
        else names.push(r);
      }
    };
    walk(dir, '');
    return names.sort();
  }
}
