/**
 * Write failures that are the machine's, not mmx's: a full disk (ENOSPC), a quota (EDQUOT), a read-only file
 * system (EROFS), no permission (EACCES, EPERM). Node's own message for a failed write names neither the file
 * (writes go through a descriptor) nor what to do; `diskWriteError` gives one sentence with both.
 *
 * `overwriteInPlace` is the last resort of a small file that must be updated on a full disk (a run's status):
 * the usual temporary file + rename needs a free block, rewriting the file's own blocks does not.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** A full disk or an exhausted quota. */
export function isNoSpace(e: unknown): boolean {
  const code = errnoOf(e);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Whether `e` is a write failure `diskWriteError` describes. */
export function isDiskWriteFailure(e: unknown): boolean {
  const code = errnoOf(e);
  return code !== undefined && code in CAUSES;
}

/** A write to a local file failed because of the disk (full, quota, read-only, permissions). */
export class DiskWriteError extends Error {
  override readonly name = 'DiskWriteError';
  constructor(
    message: string,
    /** the file (or folder) that could not be written */
    readonly path: string,
    /** the errno code: ENOSPC, EDQUOT, EROFS, EACCES, EPERM */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `e` as a DiskWriteError naming `file` and the cause, when it is one of those failures; else `e` unchanged. */
export function diskWriteError(e: unknown, file: string, what = 'write'): unknown {
  if (e instanceof DiskWriteError) return e;
  const code = errnoOf(e);
  if (code === undefined || !(code in CAUSES)) return e;
  const fix = isNoSpace(e) ? 'free some space there' : 'make it writable';
  return new DiskWriteError(`cannot ${what} ${file}: ${CAUSES[code]} (${code}); ${fix}`, file, code, { cause: e });
}

/** Rewrites `file` with `data` through its own blocks (no temporary file): for a small file on a full disk. */
export async function overwriteInPlace(file: string, data: string): Promise<void> {
  const bytes = Buffer.from(data, 'utf8');
  const fh = await fsp.open(file, 'r+');
  try {
    await fh.write(bytes, 0, bytes.length, 0);
    await fh.truncate(bytes.length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function overwriteInPlaceSync(file: string, data: string): void {
  const bytes = Buffer.from(data, 'utf8');
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, 0);
    fs.ftruncateSync(fd, bytes.length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
