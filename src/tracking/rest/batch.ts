/**
 * What `runs/log-batch` accepts, and how mmx fits its writes into it (MLflow 2.x,
 * mlflow/utils/validation.py):
 *   - at most 1000 metrics, 100 params, 100 tags and 1000 entities in all per request, and a
 *     request body of at most 1,000,000 bytes;
 *   - keys match `^[/\w.\- ]*$`, are at most 250 characters, and equal their posix-normalised
 *     form (no leading `/`, no `//`, `./`, `..`, trailing `/`);
 *   - param values at most 6000 characters, tag values at most 5000 (older servers; 8000 now);
 *   - timestamps and steps are int64.
 * Keys that break the rules are rewritten (and the caller is told); over-long values are cut
 * with a marker; a write is split into as many requests as the limits need.
 */
import { TRUNCATION_MARKER, truncateParamValue } from '../run-context.js';
import type { MetricPoint } from '../tracker.js';
import { MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, pyLength, pyNormpath } from '../validation.js';
import { toWireJson } from './client.js';

export interface BatchLimits {
  maxMetrics: number;
  maxParams: number;
  maxTags: number;
  maxEntities: number;
  /** request body size limit in bytes (UTF-8 JSON) */
  maxBytes: number;
}

export const MLFLOW_BATCH_LIMITS: BatchLimits = {
  maxMetrics: 1000,
  maxParams: 100,
  maxTags: 100,
  maxEntities: 1000,
  maxBytes: 1_000_000,
};

export interface WireMetric {
  key: string;
  /** a number, or "NaN" / "Infinity" / "-Infinity" once serialised */
  value: number;
  timestamp: number;
  step: number;
}

export interface WireKV {
  key: string;
  value: string;
}

export interface LogBatchBody {
  run_id: string;
  metrics: WireMetric[];
  params: WireKV[];
  tags: WireKV[];
}

const INVALID_KEY_CHARS = /[^/\p{L}\p{N}_.\- ]/gu;

/** Cut to at most `limit` code points. */
function cutCodePoints(s: string, limit: number): string {
  if (pyLength(s) <= limit) return s;
  return Array.from(s).slice(0, limit).join('');
}

function isValidKey(key: string): boolean {
  if (!/^[/\p{L}\p{N}_.\- ]*$/u.test(key)) return false;
  const norm = pyNormpath(key);
  return norm === key && norm !== '.' && !norm.startsWith('..') && !norm.startsWith('/') && pyLength(key) <= MAX_ENTITY_KEY_LENGTH;
}

/**
 * A key MLflow accepts: characters outside `[/\w.\- ]` become `_`, empty, `.` and `..` path
 * segments are dropped or replaced, and the result is cut to 250 characters. Valid keys come
 * back unchanged.
 */
export function sanitizeKey(key: string): string {
  if (isValidKey(key)) return key;
  let k = key.replace(INVALID_KEY_CHARS, '_');
  const segs = k
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '__' : s));
  k = segs.join('/');
  if (k === '') k = '_';
  k = cutCodePoints(k, MAX_ENTITY_KEY_LENGTH);
  // cutting may leave a trailing '/' or '/.'
  while (!isValidKey(k) && k.length > 0) k = k.replace(/\/\.?$/, '').replace(/\/$/, '');
  return k === '' ? '_' : k;
}

export type Warn = (message: string) => void;

export interface PreparedBatch {
  metrics: WireMetric[];
  params: WireKV[];
  tags: WireKV[];
}

/** Sanitised keys, unique within one write: a second key that sanitises to a taken name gets `_2`, `_3`, ... */
function uniqueKey(kind: string, original: string, taken: Map<string, string>, warn: Warn): string {
  let k = sanitizeKey(original);
  if (k !== original) {
    warn(
      `${kind} name '${original}' is not valid in MLflow (letters, digits, _ - . space and / only, at most ` +
        `${MAX_ENTITY_KEY_LENGTH} characters, no empty, '.' or '..' path parts): logged as '${k}'.`,
    );
  }
  const prev = taken.get(k);
  if (prev !== undefined && prev !== original) {
    let n = 2;
    const base = cutCodePoints(k, MAX_ENTITY_KEY_LENGTH - 4);
    while (taken.has(`${base}_${n}`)) n++;
    const renamed = `${base}_${n}`;
    warn(`${kind} names '${prev}' and '${original}' both become '${k}' in MLflow: '${original}' is logged as '${renamed}'.`);
    k = renamed;
  }
  taken.set(k, original);
  return k;
}

function truncateValue(value: string, limit: number): string {
  return pyLength(value) <= limit ? value : truncateParamValue(value, limit);
}

/** Params for MLflow: valid keys, values at most 6000 characters (cut with a marker). */
export function prepareParams(params: Record<string, string>, warn: Warn, seen?: Map<string, string>): WireKV[] {
  const taken = seen ?? new Map<string, string>();
  return Object.entries(params).map(([k, v]) => {
    const key = uniqueKey('param', k, taken, warn);
    let value = String(v);
    if (pyLength(value) > MAX_PARAM_VALUE_LENGTH) {
      warn(
        `param '${key}' is ${pyLength(value)} characters long; MLflow keeps at most ${MAX_PARAM_VALUE_LENGTH}: logged cut, ` +
          `ending in '${TRUNCATION_MARKER}' (the resolved config artifact has the full value).`,
      );
      value = truncateValue(value, MAX_PARAM_VALUE_LENGTH);
    }
    return { key, value };
  });
}

/** Tags for MLflow: valid keys, values at most 5000 characters (cut with a marker). */
export function prepareTags(tags: Record<string, string>, warn: Warn): WireKV[] {
  const taken = new Map<string, string>();
  return Object.entries(tags).map(([k, v]) => {
    const key = uniqueKey('tag', k, taken, warn);
    let value = String(v);
    if (pyLength(value) > MAX_TAG_VALUE_LENGTH) {
      warn(
        `tag '${key}' is ${pyLength(value)} characters long; MLflow keeps at most ${MAX_TAG_VALUE_LENGTH}: logged cut, ending in '${TRUNCATION_MARKER}'.`,
      );
      value = truncateValue(value, MAX_TAG_VALUE_LENGTH);
    }
    return { key, value };
  });
}

/** Metrics for MLflow: valid keys, integer millisecond timestamps and integer steps. */
export function prepareMetrics(metrics: MetricPoint[], warn: Warn, keyCache: Map<string, string>): WireMetric[] {
  return metrics.map((m) => {
    let key = keyCache.get(m.key);
    if (key === undefined) {
      key = sanitizeKey(m.key);
      if (key !== m.key) {
        warn(
          `metric name '${m.key}' is not valid in MLflow (letters, digits, _ - . space and / only, at most ` +
            `${MAX_ENTITY_KEY_LENGTH} characters): logged as '${key}'.`,
        );
      }
      keyCache.set(m.key, key);
    }
    return {
      key,
      value: typeof m.value === 'number' ? m.value : Number(m.value),
      timestamp: Number.isFinite(m.timestamp) ? Math.round(m.timestamp) : Date.now(),
      step: Number.isFinite(m.step) ? Math.trunc(m.step) : 0,
    };
  });
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Split one write into `runs/log-batch` bodies within the limits. Params go first (a conflict
 * with a write-once param then fails before anything else of the write is sent), then tags,
 * then metrics, each in their given order.
 */
export function splitBatch(runId: string, batch: PreparedBatch, limits: BatchLimits = MLFLOW_BATCH_LIMITS): LogBatchBody[] {
  const out: LogBatchBody[] = [];
  const empty = (): LogBatchBody => ({ run_id: runId, metrics: [], params: [], tags: [] });
  const overhead = byteLength(toWireJson(empty()));
  let cur = empty();
  let bytes = overhead;
  let count = 0;
  const flush = (): void => {
    if (count > 0) out.push(cur);
    cur = empty();
    bytes = overhead;
    count = 0;
  };
  const add = (kind: 'metrics' | 'params' | 'tags', entity: WireMetric | WireKV, max: number): void => {
    const size = byteLength(toWireJson(entity)) + 1; // + the comma
    if (cur[kind].length >= max || count >= limits.maxEntities || (count > 0 && bytes + size > limits.maxBytes)) flush();
    (cur[kind] as (WireMetric | WireKV)[]).push(entity);
    bytes += size;
    count++;
  };
  for (const p of batch.params) add('params', p, limits.maxParams);
  for (const t of batch.tags) add('tags', t, limits.maxTags);
  for (const m of batch.metrics) add('metrics', m, limits.maxMetrics);
  flush();
  return out;
}
