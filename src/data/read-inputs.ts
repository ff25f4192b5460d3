/**
 * Reading a manifest's inputs: every cell of the rows a run uses decoded, parsed or tokenised by its modality's
 * loader (files concurrently), through the feature cache where the loader's values are cacheable. Unreadable
 * values are a DataError naming the row and column — or, with `data.on_error: skip`, a skipped row; empty cells
 * follow the input's missing-value policy. Nothing is fitted here; `encodeRows` and `entryRows` give the encoded
 * features once a state is fitted.
 */
import path from 'node:path';
import type { RunEvent } from '../core/run-events.js';
import { DecodeError } from './decode-error.js';
import type { Entry } from './cache/entry.js';
import { isCacheable, openInputCache, STORED } from './cache/input-cache.js';
import type { FeatureCache } from './cache/store.js';
import { DataError } from './errors.js';
import type { MediaReader } from './files/media-file.js';
import type { Manifest } from './manifest.js';
import { findModality } from './modalities/index.js';
import { CellError, type FeatureLoader } from './modalities/modality.js';
import type { RowFeatures } from './normalise.js';
import type { CacheReport, MissingReport, PreparedData } from './prepared.js';

type Emit = (e: RunEvent) => void;

async function mapLimit<T>(count: number, limit: number, fn: (i: number) => Promise<T>, onDone?: (done: number) => void): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
      done += 1;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

export interface InputSpec {
  name: string;
  modality: string;
  /** the manifest columns it reads */
  columns: string[];
  preprocessing: unknown;
  /** the input entry as the modality sees it (column, columns, preprocessing, encoder, ...) */
  entry: Record<string, unknown>;
  /** largest file a cell may name (`data.max_file_mb`), for modalities whose cells name files */
  maxFileBytes?: number;
  /** how its cells' files are read (default: paths relative to the manifest) */
  readMedia?: MediaReader;
}

type AnyLoader = FeatureLoader<unknown, unknown>;

export interface ReadInput {
  spec: InputSpec;
  loader: AnyLoader;
  /** the cache entry holding this input's decoded rows (their `values` are STORED) */
  entry?: Entry;
  cache: CacheReport['inputs'][number]['status'];
  /** read value by manifest row (undefined: not read, empty, or unreadable) */
  values: unknown[];
  /** rows whose cell was empty and that get zeros (`missing: zeros`) */
  zeroRows: Set<number>;
  /** rows left out because of a missing value */
  dropped: Set<number>;
  /** missing cells a loader with `handlesMissing` imputed */
  imputedCells: number;
  cacheBytes?: number;
}

export interface ReadResult {
  inputs: ReadInput[];
  /** rows with an unreadable input (`data.on_error: skip`) */
  bad: Set<number>;
  /** rows left out for a missing value */
  dropped: Set<number>;
  skipped: PreparedData['skipped'];
  /** why the feature cache could not be used (the inputs were decoded without it) */
  cacheProblem?: string;
}

/** The manifest as errors name it: its absolute path (`DataError.describe` shows it relative where it is printed). */
export const manifestName = (manifest: Manifest): string => manifest.file;

/** Reads (decodes, parses, tokenises) every input of the given rows; nothing is fitted yet. */
export async function readInputs(
  manifest: Manifest,
  rows: number[],
  specs: InputSpec[],
  onError: 'error' | 'skip',
  emit: Emit,
  signal?: AbortSignal,
  cache?: FeatureCache,
): Promise<ReadResult> {
  const skipped: PreparedData['skipped'] = [];
  const bad = new Set<number>();
  const dropped = new Set<number>();
  const inputs: ReadInput[] = [];
  const total = rows.length * specs.length;
  let progressBase = 0;
  emit({ type: 'data_progress', done: 0, total, detail: 'reading' });
  let cacheProblem: string | undefined;
  for (const spec of specs) {
    const loader = (await findModality(spec.modality).createLoader(spec.preprocessing as never, spec.entry, {
      ...(spec.maxFileBytes !== undefined ? { maxFileBytes: spec.maxFileBytes } : {}),
      ...(spec.readMedia ? { readMedia: spec.readMedia } : {}),
    })) as AnyLoader;
    // the cache is an optimisation: a folder it cannot write is one warning, and the inputs are decoded without it
    if (cache && isCacheable(loader)) {
      cacheProblem = cache.ready();
      if (cacheProblem) {
        emit({
          type: 'log',
          level: 'warn',
          message: `feature cache: cannot use ${cache.dir} (${cacheProblem}); this run decodes its inputs without the cache (set MMX_CACHE_DIR to a writable folder, or --no-cache)`,
        });
        cache = undefined;
      }
    }
    const base = progressBase;
    const progress = (done: number): void => {
      if (done % 500 === 0 || done === rows.length)
        emit({ type: 'data_progress', done: base + done, total, detail: `reading ${spec.name}` });
    };
    const r = await readInput({ manifest, rows, spec, loader, onError, emit, signal, cache, bad, skipped, progress });
    progressBase += rows.length;
    for (const i of r.dropped) dropped.add(i);
    inputs.push(r);
  }
  if (skipped.length) {
    emit({
      type: 'log',
      level: 'warn',
      message: `skipped ${bad.size} row(s) with unreadable inputs (data.on_error: skip); first: row ${skipped[0]!.row} ${skipped[0]!.column}: ${skipped[0]!.reason}`,
    });
  }
  return { inputs, bad, dropped, skipped, ...(cacheProblem ? { cacheProblem } : {}) };
}

/** One input's reading: where it reads from and where what goes wrong is recorded. */
interface InputJob {
  manifest: Manifest;
  rows: number[];
  spec: InputSpec;
  loader: AnyLoader;
  onError: 'error' | 'skip';
  emit: Emit;
  signal: AbortSignal | undefined;
  /** a usable feature cache, when the loader's values are cacheable */
  cache: FeatureCache | undefined;
  /** rows with an unreadable value (on_error: skip), shared by every input */
  bad: Set<number>;
  skipped: PreparedData['skipped'];
  progress: (done: number) => void;
}

type CacheWriter = NonNullable<Awaited<ReturnType<typeof openInputCache>>> & { hit: false };

/** Reads one input's rows: from its cache entry (a hit), into a new entry (a miss), or into memory. */
async function readInput(job: InputJob): Promise<ReadInput> {
  const { spec, loader, cache, emit, rows } = job;
  const r: ReadInput = {
    spec,
    loader,
    cache: cache ? 'not cached' : 'off',
    values: new Array(job.manifest.rows.length),
    zeroRows: new Set(),
    dropped: new Set(),
    imputedCells: 0,
  };
  const cached =
    cache && isCacheable(loader)
      ? await openInputCache(cache, spec, loader, job.manifest, rows, {
          onCorrupt: (reason) =>
            emit({
              type: 'log',
              level: 'warn',
              message: `feature cache: the entry for input '${spec.name}' was unusable (${reason}); decoding again`,
            }),
          onWait: () =>
            emit({
              type: 'log',
              level: 'info',
              message: `feature cache: another process is decoding input '${spec.name}'; waiting for its entry`,
            }),
          ...(job.signal ? { signal: job.signal } : {}),
        })
      : undefined;
  if (cached) r.cache = cached.hit ? 'hit' : 'miss';
  const writer = cached && !cached.hit ? cached.writer : undefined;
  const hitEntry = cached?.hit ? cached.entry : undefined;
  try {
    await mapLimit(rows.length, 8, (k) => readCell(job, r, rows[k]!, { writer, hitEntry }), job.progress);
    if (cached && !cached.hit && writer) {
      const bytes = writer.commit();
      r.entry = cache!.lookup(cached.key);
      if (!r.entry) throw new Error(`feature cache: the entry just written for input '${spec.name}' cannot be read back`);
      r.cacheBytes = bytes;
    } else if (hitEntry) {
      r.entry = hitEntry;
      r.cacheBytes = hitEntry.bytes;
    }
  } catch (err) {
    writer?.abort();
    hitEntry?.close();
    throw err;
  } finally {
    if (cached && !cached.hit) cached.lock.release();
  }
  return r;
}

/** Reads row `i`'s cells of the input into `r`; an unreadable or missing value is skipped or a DataError. */
async function readCell(
  job: InputJob,
  r: ReadInput,
  i: number,
  via: { writer: CacheWriter['writer'] | undefined; hitEntry: Entry | undefined },
): Promise<void> {
  const { spec, loader, manifest } = job;
  if (job.signal?.aborted) throw job.signal.reason;
  const cells = spec.columns.map((c) => (manifest.rows[i]![c] ?? '').trim());
  const { writer, hitEntry } = via;
  try {
    if (!loader.handlesMissing && cells.every((c) => c === '')) {
      const policy = loader.missing ?? 'error';
      if (policy === 'zeros') return void r.zeroRows.add(i);
      if (policy === 'drop_row') return void r.dropped.add(i);
      throw new DecodeError('the value is missing', '');
    }
    if (hitEntry) {
      if (hitEntry.rowStatus(i) !== 1) throw new DecodeError(hitEntry.error(i), '');
      return void (r.values[i] = STORED);
    }
    const value = await loader.read(cells, path.dirname(manifest.file));
    if (loader.drop?.(value)) return void r.dropped.add(i);
    r.imputedCells += loader.countMissing?.(value) ?? 0;
    if (writer) {
      writer.put(i, value as Float32Array);
      r.values[i] = STORED;
    } else r.values[i] = value;
  } catch (err) {
    if (!(err instanceof CellError) && !(err instanceof DecodeError)) throw err;
    if (writer && err instanceof DecodeError && err.message !== 'the value is missing') writer.fail(i, err.message);
    cellFailure(job, err, cells, i);
  }
}

/** A cell that could not be read: the row skipped (on_error: skip), or a DataError naming the row and column. */
function cellFailure(job: InputJob, err: CellError | DecodeError, cells: string[], i: number): void {
  const { spec, manifest } = job;
  const column = err instanceof CellError ? (spec.columns[err.column] ?? spec.columns[0]!) : spec.columns[0]!;
  const cell = cells[spec.columns.indexOf(column)] ?? '';
  const missingCell = err.message === 'the value is missing';
  if (job.onError === 'skip') {
    job.bad.add(i);
    job.skipped.push({ row: i + 1, column, reason: `${err.message}${err instanceof DecodeError && cell ? ` (${cell})` : ''}` });
    return;
  }
  const hint =
    err instanceof CellError
      ? err.hint
      : missingCell
        ? `fill the cell, set inputs.${spec.name}.preprocessing.missing to zeros or drop_row, or data.on_error: skip`
        : `paths are relative to the manifest's folder, ${path.dirname(manifest.file)}; set data.on_error: skip to leave such rows out`;
  throw new DataError(
    `${err.message}${err instanceof DecodeError && cell ? `: ${cell}` : ''}`,
    { file: manifestName(manifest), line: manifest.lines[i]!, row: i + 1, column },
    hint,
  );
}

/** Missing values among `used` rows, one report per input that had any; emitted as log lines. */
export function reportMissing(read: ReadResult, used: ReadonlySet<number>, emit: Emit): MissingReport[] {
  const reports: MissingReport[] = [];
  for (const r of read.inputs) {
    const column = r.spec.columns.join(', ');
    const zeros = [...r.zeroRows].filter((i) => used.has(i)).length;
    if (zeros) reports.push({ input: r.spec.name, column, action: 'zeros', count: zeros });
    if (r.dropped.size) reports.push({ input: r.spec.name, column, action: 'drop_row', count: r.dropped.size });
    if (r.imputedCells) reports.push({ input: r.spec.name, column, action: r.loader.missingAction ?? 'imputed', count: r.imputedCells });
  }
  for (const m of reports) {
    const what = m.action === 'drop_row' ? `row(s) left out (missing: drop_row)` : `missing value(s) → ${m.action}`;
    emit({
      type: 'log',
      level: m.action === 'drop_row' ? 'warn' : 'info',
      message: `input '${m.input}' (${m.column}): ${m.count.toLocaleString('en-US')} ${what}`,
    });
  }
  return reports;
}

/** Encoded (not yet normalised) features of `rows` for one input; zeros rows stay undefined. */
export function encodeRows(r: ReadInput, rows: readonly number[], fitted: unknown, size: number): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  const encode = r.loader.encode;
  for (const i of rows) {
    if (r.zeroRows.has(i)) continue;
    const v = r.values[i];
    const x = encode ? encode.call(r.loader, v, fitted) : (v as Float32Array);
    if (x.length !== size) throw new Error(`input '${r.spec.name}': encoded ${x.length} values, expected ${size}`);
    out.set(i, x);
  }
  return out;
}

/** Rows of a cache entry, read in blocks of contiguous rows (bounded memory); undefined for rows not stored. */
export function entryRows(r: ReadInput, size: number, blockRows = 256): RowFeatures {
  const rows = r.entry!.info.rows;
  const block = new Float32Array(blockRows * size);
  let first = -1;
  let count = 0;
  return (i) => {
    if (r.values[i] !== STORED) return undefined;
    if (i < first || i >= first + count) {
      first = i;
      count = Math.min(blockRows, rows - i);
      r.entry!.readRun(first, count, block);
    }
    return block.subarray((i - first) * size, (i - first + 1) * size);
  };
}
