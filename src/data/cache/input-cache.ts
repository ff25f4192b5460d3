/**
 * The cache as the data preparation sees it, per input: is the input cacheable, is there a usable entry for
 * the rows this run needs (hit), else a writer that decoded rows go to (miss).
 *
 * Cacheable: loaders whose read value is already the fixed-size feature vector (no `fit`, no `encode`, no own
 * missing-value handling) — image and audio, where decoding is the cost. Text, numeric and categorical inputs
 * are parsed from the manifest in milliseconds and fitted on the training split; they are not cached.
 */
import path from 'node:path';
import type { Manifest } from '../manifest.js';
import type { FeatureLoader } from '../modalities/modality.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RowStatus, type Entry, type EntryWriter } from './entry.js';
import type { HeldLock } from './lock.js';
import { entryKey } from './fingerprint.js';
import type { FeatureCache } from './store.js';

/** `values[i]` of a row whose features are in the cache entry (not held in memory). */
export const STORED = Symbol('stored in the feature cache');

export function isCacheable(loader: FeatureLoader<unknown, unknown>): boolean {
  return !loader.fit && !loader.encode && !loader.handlesMissing && !loader.drop && !loader.countMissing;
}

export interface InputCacheSpec {
  name: string;
  modality: string;
  columns: string[];
  preprocessing: unknown;
}

/** A hit, or a miss with the writer to fill and the decoding lock to release once it is committed or aborted. */
export type InputCache = { key: string; hit: true; entry: Entry } | { key: string; hit: false; writer: EntryWriter; lock: HeldLock };

export interface OpenOptions {
  onCorrupt: (reason: string) => void;
  /** told once when another process is decoding this input and this one waits for its entry */
  onWait?: () => void;
  signal?: AbortSignal;
  /** how often to look again while waiting (ms) */
  pollMs?: number;
}

/**
 * Looks the input up; on a miss takes the decoding lock and returns a writer sized for every manifest row — or,
 * while another process holds the lock, waits for that process's entry. `rows`: the rows this run reads (those
 * with an empty cell are not read and need not be in the entry).
 */
export async function openInputCache(
  cache: FeatureCache,
  spec: InputCacheSpec,
  loader: FeatureLoader<unknown, unknown>,
  manifest: Manifest,
  rows: readonly number[],
  options: OpenOptions,
): Promise<InputCache> {
  const cells = manifest.rows.map((r) => spec.columns.map((c) => (r[c] ?? '').trim()));
  const key = entryKey({ modality: spec.modality, preprocessing: spec.preprocessing, cells, baseDir: path.dirname(manifest.file) });
  const shape = loader.shape(undefined);
  const rowSize = shape.reduce((a, b) => a * b, 1);
  const usable = (): Entry | undefined => {
    const entry = cache.lookup(key, options.onCorrupt);
    if (!entry) return undefined;
    const complete =
      entry.info.rowSize === rowSize &&
      entry.info.rows === manifest.rows.length &&
      rows.every((i) => cells[i]!.every((c) => c === '') || entry.rowStatus(i) !== RowStatus.NotRead);
    if (complete) return entry;
    entry.close();
    return undefined;
  };
  for (let waiting = false; ; waiting = true) {
    const found = usable();
    if (found) return { key, hit: true, entry: found };
    const lock = cache.lock(key);
    if (lock) {
      // the previous holder may have committed between the lookup and the lock
      const late = usable();
      if (late) {
        lock.release();
        return { key, hit: true, entry: late };
      }
      const writer = cache.create({
        key,
        input: spec.name,
        modality: spec.modality,
        manifest: manifest.file,
        rows: manifest.rows.length,
        rowSize,
        shape,
      });
      return { key, hit: false, writer, lock };
    }
    if (!waiting) options.onWait?.();
    if (options.signal?.aborted) throw options.signal.reason;
    await sleep(options.pollMs ?? 250);
  }
}
