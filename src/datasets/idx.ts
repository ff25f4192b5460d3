/** The IDX format of the MNIST files (big-endian header: magic, dimensions, then unsigned bytes). */
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major */
  pixels: Uint8Array;
}

function gunzip(gz: Uint8Array, what: string): Buffer {
  try {
    return gunzipSync(gz);
  } catch (err) {
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
