/**
 * The feature cache folder: one file per entry (`<key>.mmxf`, see entry.ts). Lookups open and check an entry;
 * one that fails the check is removed and reported, and the caller decodes again. Concurrent writers (sweep
 * workers starting together) each write their own temp file and rename it into place; the entries they write
 * for one key are identical, so whichever rename lands last is as good as the first.
 */
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CorruptEntry, Entry, EntryWriter, hostTag, type EntryInfo } from './entry.js';
import { tryLock, type HeldLock } from './lock.js';

const EXT = '.mmxf';
/** temp files older than this are left-overs of a killed writer (`mmx cache clear`) */
const STALE_TMP_MS = 24 * 3600 * 1000;
/** a temp file of another host (or of an older mmx) not written to for this long is a killed writer's */
const ABANDONED_TMP_MS = 3600 * 1000;
/** `<entry>.tmp-<host>-<pid>-<random>`, or the older `<entry>.tmp-<pid>-<random>` */
const TMP_NAME = /\.mmxf\.tmp-(?:([A-Za-z0-9._]+)-)?(\d+)-[a-z0-9]+$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Why a cache folder cannot be used, in words (`is a file, not a folder`, `is on a read-only file system`). */
function cacheProblem(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is where the folder should be';
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'it is not writable by this user';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'its disk is full';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

export interface ListedEntry {
  file: string;
  bytes: number;
  created: Date;
  info?: EntryInfo;
  /** why the entry cannot be used */
  problem?: string;
}

export class FeatureCache {
  private checked: { problem: string | undefined } | undefined;

  constructor(readonly dir: string) {}

  /**
   * Whether the folder can be used: created if needed and written to (a probe file); the first call of a
   * process also sweeps the temp files of killed writers (`sweepStale`). Returns why not, or undefined; the
   * answer is kept, so a caller asks once per run.
   */
  ready(): string | undefined {
    if (this.checked) return this.checked.problem;
    let problem: string | undefined;
    try {
      mkdirSync(this.dir, { recursive: true });
      const probe = path.join(this.dir, `.write-check-${process.pid}`);
      const fd = openSync(probe, 'w');
      try {
        writeSync(fd, 'ok');
      } finally {
        closeSync(fd);
        unlinkSync(probe);
      }
    } catch (err) {
      problem = cacheProblem(err);
    }
    this.checked = { problem };
    if (!problem) this.sweepStale();
    return problem;
  }

  /**
   * Removes the temp files of writers that are gone (a SIGKILL mid-write leaves one as large as the entry): on
   * this host, those whose process no longer exists; of another host sharing the folder (or without a host in
   * the name), those not written to for an hour. A writer at work keeps its file. Returns how many were removed.
   */
  sweepStale(now = Date.now()): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    const here = hostTag();
    let removed = 0;
    for (const name of names) {
      const m = TMP_NAME.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      const st = statSync(file, { throwIfNoEntry: false });
      if (!st) continue;
      const pid = Number(m[2]);
      const stale = m[1] === here ? pid !== process.pid && !processAlive(pid) : now - st.mtimeMs > ABANDONED_TMP_MS;
      if (!stale) continue;
      try {
        unlinkSync(file);
        removed += 1;
      } catch {}
    }
    return removed;
  }

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
