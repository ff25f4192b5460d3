/**
 * The key of an input's cache entry: a hash of everything its decoded features depend on —
 *
 *   - the cache format version and the modality;
 *   - the input's preprocessing, minus `missing` (which rows are read, not what a read row gives);
 *   - per manifest row, the cell(s) the input reads, and for a cell naming a file: its resolved path, size and
 *     modification time (nanoseconds).
 *
 * Not the target, the split, the seed, the encoder, the model or training options: a sweep over those reuses
 * the entry, and changing one input's preprocessing re-decodes that input only.
 *
 * Files are fingerprinted by size + mtime, not by content: hashing the content means reading every file, which is
 * the I/O that decoding costs and the cache exists to skip: for AV-MNIST's 6,000 files, stat takes 80-120 ms and
 * read + sha256 520-750 ms even with the files in the page cache (2 busy cores), a third of a cached run's time to
 * its first batch; for a large image set on a network disk, minutes. Anything that rewrites a file changes its
 * mtime; a copy made with preserved timestamps and the same size is not noticed (`--no-cache` or
 * `mmx cache clear` then).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { CACHE_FORMAT } from './entry.js';

export interface KeyInput {
  modality: string;
  preprocessing: unknown;
  /** per row (manifest order), the input's cells */
  cells: readonly (readonly string[])[];
  /** folder that relative paths in cells are resolved against (the manifest's) */
  baseDir: string;
}

/** JSON with sorted object keys, so equal options hash equally whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What the key records of a file: its size and modification time, `absent`, or why it cannot be looked at (a name
 * too long, a loop of links, no permission on a folder: the run says so about that row; the key stays a key).
 */
function fileState(file: string): string {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st ? `${st.size}\u0000${st.mtimeNs}` : 'absent';
  } catch (err) {
    return `unreadable ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

export function entryKey(input: KeyInput): string {
  const { missing: _missing, ...preprocessing } = (input.preprocessing ?? {}) as Record<string, unknown>;
  const h = createHash('sha256');
  h.update(`mmx feature cache ${CACHE_FORMAT}\n${input.modality}\n${canonical(preprocessing)}\n${input.cells.length}\n`);
  for (const cells of input.cells) {
    for (const cell of cells) {
      h.update(cell);
      h.update('\u0000');
      if (cell === '') continue;
      const file = path.resolve(input.baseDir, cell);
      h.update(`${file}\u0000${fileState(file)}`);
      h.update('\u0000');
    }
    h.update('\n');
  }
  return h.digest('hex').slice(0, 40);
}
