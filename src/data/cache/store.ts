/**
 * The feature cache folder: one file per entry (`<key>.mmxf`, see entry.ts). Lookups open and check an entry;
 * one that fails the check is removed and reported, and the caller decodes again. Concurrent writers (sweep
 * workers starting together) each write their own temp file and rename it into place; the entries they write
 * for one key are identical, so whichever rename lands last is as good as the first.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { CorruptEntry, Entry, EntryWriter, type EntryInfo } from './entry.js';
import { tryLock, type HeldLock } from './lock.js';

const EXT = '.mmxf';
/** temp files older than this are left-overs of a killed writer */
const STALE_TMP_MS = 24 * 3600 * 1000;

export interface ListedEntry {
  file: string;
  bytes: number;
  created: Date;
  info?: EntryInfo;
  /** why the entry cannot be used */
  problem?: string;
}

export class FeatureCache {
  constructor(readonly dir: string) {}

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}${EXT}`);
  }

  /**
   * The checked entry for `key`, or undefined when there is none. A corrupt or truncated one is deleted and
   * `onCorrupt` is told why.
   */
  lookup(key: string, onCorrupt?: (reason: string) => void): Entry | undefined {
    const file = this.fileOf(key);
    try {
      return Entry.open(file, { key });
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      if (!(err instanceof CorruptEntry)) throw err;
      onCorrupt?.(err.message);
      try {
        unlinkSync(file);
      } catch {}
      return undefined;
    }
  }

  /** The decoding lock of `key` (see lock.ts), or undefined while another live process holds it. */
  lock(key: string): HeldLock | undefined {
    mkdirSync(this.dir, { recursive: true });
    return tryLock(path.join(this.dir, `${key}.lock`));
  }

  /** A writer for a new entry (written beside, renamed into place on commit). */
  create(info: EntryInfo): EntryWriter {
    mkdirSync(this.dir, { recursive: true });
    return new EntryWriter(this.fileOf(info.key), info);
  }

  /** Every entry (footer read, data not checked), newest first. */
  list(): ListedEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: ListedEntry[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (!name.endsWith(EXT)) continue;
      try {
        const e = Entry.open(file, { verify: false });
        out.push({ file, bytes: e.bytes, created: e.created, info: e.info });
        e.close();
      } catch (err) {
        const st = statSync(file, { throwIfNoEntry: false });
        out.push({
          file,
          bytes: st?.size ?? 0,
          created: st?.mtime ?? new Date(0),
          problem: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return out.sort((a, b) => b.created.getTime() - a.created.getTime());
  }

  /** Removes every entry (and stale temp files); returns how many files and bytes were freed. */
  clear(): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return { files, bytes };
    }
    for (const name of names) {
      const isEntry = name.endsWith(EXT);
      const isTmp = name.includes(`${EXT}.tmp-`);
      if (!isEntry && !isTmp) continue;
      const file = path.join(this.dir, name);
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) continue;
      // a temp file may belong to a run writing right now; only old ones are left-overs
      if (isTmp && Date.now() - st.mtimeMs < STALE_TMP_MS) continue;
      try {
        unlinkSync(file);
        files += 1;
        bytes += st.size;
      } catch {}
    }
    return { files, bytes };
  }
}
