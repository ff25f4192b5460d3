/** The IDX format of the MNIST files (big-endian header: magic, dimensions, then unsigned bytes). */
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';
import { formatBytes } from '../io/regular-file.js';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major */
  pixels: Uint8Array;
}

/** At most this many times the compressed size is decompressed (MNIST's images: ~4.8×)... */
export const MAX_GZIP_RATIO = 64;
/** ...but always up to this much, and never more than the cap. */
const MIN_GZIP_OUTPUT = 16 * 2 ** 20;
export const MAX_GZIP_OUTPUT = 512 * 2 ** 20;

/** The most a gzip file of `compressed` bytes may decompress to. */
export const gzipOutputLimit = (compressed: number): number =>
  Math.min(MAX_GZIP_OUTPUT, Math.max(MIN_GZIP_OUTPUT, compressed * MAX_GZIP_RATIO));

/**
 * Decompresses at most `gzipOutputLimit` bytes: a gzip bomb (a megabyte that inflates to gigabytes) is refused
 * while it is inflated, with its memory bounded by the limit, instead of after it has filled the memory.
 */
function gunzip(gz: Uint8Array, what: string): Buffer {
  const limit = gzipOutputLimit(gz.byteLength);
  try {
    return gunzipSync(gz, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DatasetError(
        `${what}: decompresses to more than ${formatBytes(limit)} from ${formatBytes(gz.byteLength)} (over ${MAX_GZIP_RATIO} times its size, ` +
          'or over the cap): refused as a decompression bomb',
        'the download is not the expected file; check the source URL or mirror',
      );
    throw new DatasetError(`${what}: not a valid gzip file (${(err as Error).message})`);
  }
}

export function readIdxImages(gz: Uint8Array, what = 'MNIST images'): IdxImages {
  const b = gunzip(gz, what);
  if (b.length < 16 || b.readUInt32BE(0) !== 0x803)
    throw new DatasetError(`${what}: not an IDX3 image file (magic ${b.length >= 4 ? b.readUInt32BE(0) : '?'})`);
  const count = b.readUInt32BE(4);
  const rows = b.readUInt32BE(8);
  const cols = b.readUInt32BE(12);
  if (b.length !== 16 + count * rows * cols) throw new DatasetError(`${what}: ${b.length} bytes, expected ${16 + count * rows * cols}`);
  return { count, rows, cols, pixels: b.subarray(16) };
}

export function readIdxLabels(gz: Uint8Array, what = 'MNIST labels'): Uint8Array {
  const b = gunzip(gz, what);
  if (b.length < 8 || b.readUInt32BE(0) !== 0x801) throw new DatasetError(`${what}: not an IDX1 label file`);
  const count = b.readUInt32BE(4);
  if (b.length !== 8 + count) throw new DatasetError(`${what}: ${b.length} bytes, expected ${8 + count}`);
  return b.subarray(8);
}
