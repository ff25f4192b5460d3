/**
 * Reading files a user names (a config, an `extends:` parent, an image or audio file in a manifest) safely: only
 * regular files are read, and only up to a size limit. A device (`/dev/zero`), a FIFO, a socket or a folder is
 * refused before a byte is read, so a hostile or mistaken path can neither hang mmx (a FIFO without a writer) nor
 * fill its memory (a device that never ends).
 *
 * The file is opened with O_NONBLOCK (opening a FIFO for reading would otherwise wait for a writer), then checked
 * with fstat on the open descriptor (no race between the check and the read), and read at most `maxBytes + 1`
 * bytes (a file that grows past the limit while it is read is refused too).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a file could not be read: the reason for a person, and a code for callers that react differently. */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
  constructor(
    /** e.g. "file not found", "is a character device, not a regular file", "is 3.2 MB, over the limit of 1 MB" */
    readonly reason: string,
    readonly code: 'missing' | 'not-regular' | 'too-large' | 'unreadable',
    readonly file: string,
  ) {
    super(reason);
  }
}

// O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; O_NOCTTY: a terminal never becomes ours
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** What a non-regular file is, in words. */
export function fileKindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Sizes for messages: 512 bytes, 3.2 kB, 1 MB, 1.5 GB (decimal units). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} byte${n === 1 ? '' : 's'}`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${+v.toPrecision(v < 10 ? 2 : 3)} ${units[u]}`;
}

function reasonOf(err: unknown, file: string): FileReadError {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new FileReadError('file not found', 'missing', file);
    case 'ENOTDIR':
      return new FileReadError('a parent of the path is not a directory', 'missing', file);
    case 'EISDIR':
      return new FileReadError('is a directory, not a regular file', 'not-regular', file);
    case 'EACCES':
    case 'EPERM':
      return new FileReadError('permission denied', 'unreadable', file);
    case 'ELOOP':
      return new FileReadError('too many levels of symbolic links', 'unreadable', file);
    case 'EMFILE':
    case 'ENFILE':
      return new FileReadError('too many open files', 'unreadable', file);
    default:
      return new FileReadError(typeof code === 'string' ? `read failed (${code})` : String(err), 'unreadable', file);
  }
}

function checkStats(stats: Stats, maxBytes: number, file: string): void {
  if (!stats.isFile()) {
    const kind = fileKindOf(stats);
    throw new FileReadError(`is ${kind}, not a regular file`, 'not-regular', file);
  }
  if (stats.size > maxBytes) throw tooLarge(stats.size, maxBytes, file);
}

const tooLarge = (size: number | undefined, maxBytes: number, file: string): FileReadError =>
  new FileReadError(
    `is ${size === undefined ? '' : `${formatBytes(size)}, `}over the limit of ${formatBytes(maxBytes)}`,
    'too-large',
    file,
  );

/**
 * A buffer sized from fstat, filled one read at a time: a file that turns out larger than it said (it grew while
 * it was read) is refused rather than read on.
 */
class Filler {
  readonly buf: Buffer;
  n = 0;

  constructor(
    size: number,
    private readonly maxBytes: number,
    private readonly file: string,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  }

  /** Counts `got` more bytes; true when the file is read whole. */
  took(got: number): boolean {
    if (got === 0) return true;
    this.n += got;
    if (this.n < this.buf.length) return false;
    throw this.n > this.maxBytes
      ? tooLarge(undefined, this.maxBytes, this.file)
      : new FileReadError('changed while it was read', 'unreadable', this.file);
  }

  get bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/**
 * Reads a whole regular file of at most `maxBytes` bytes.
 * @throws FileReadError (missing, not a regular file, too large, unreadable)
 */
export function readRegularFileSync(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw reasonOf(err, file);
  }
  try {
    const stats = fstatSync(fd);
    checkStats(stats, maxBytes, file);
    const f = new Filler(stats.size, maxBytes, file);
    while (!f.took(readSync(fd, f.buf, f.n, f.buf.length - f.n, null)));
    return f.bytes;
  } catch (err) {
    throw err instanceof FileReadError ? err : reasonOf(err, file);
  } finally {
    closeSync(fd);
  }
}

/** Asynchronous {@link readRegularFileSync}. */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    throw reasonOf(err, file);
  }
  try {
    const stats = await handle.stat();
    checkStats(stats, maxBytes, file);
    const f = new Filler(stats.size, maxBytes, file);
    while (!f.took((await handle.read(f.buf, f.n, f.buf.length - f.n, null)).bytesRead));
    return f.bytes;
  } catch (err) {
    throw err instanceof FileReadError ? err : reasonOf(err, file);
  } finally {
    await handle.close();
  }
}

/**
 * The first `n` bytes and the size of a regular file of at most `maxBytes` bytes: what `readRegularFile` would
 * refuse is refused here too, without reading the rest (a cheap check of many files).
 */
export function readHeadSync(file: string, n: number, maxBytes: number): { head: Buffer; size: number } {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw reasonOf(err, file);
  }
  try {
    const stats = fstatSync(fd);
    checkStats(stats, maxBytes, file);
    const head = Buffer.alloc(Math.min(n, stats.size));
    let got = 0;
    while (got < head.length) {
      const r = readSync(fd, head, got, head.length - got, got);
      if (r === 0) break;
      got += r;
    }
    return { head: head.subarray(0, got), size: stats.size };
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw reasonOf(err, file);
  } finally {
    closeSync(fd);
  }
}
