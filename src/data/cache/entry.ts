/**
 * One feature cache entry: the decoded features of one input for the rows of one manifest, in one file.
 *
 *   [rows × rowSize float32, little-endian, row i at byte i·rowSize·4][footer JSON][u32 footer length][magic]
 *
 * Row-major with a fixed row size, so any row is one positional read and the writer can put rows in place as
 * they are decoded (in any order) without holding them. The footer, written last, says which rows were decoded
 * (and the decode error of those that failed) and carries a CRC-32 of the data; an entry is written to a temp
 * file and renamed into place, so a reader sees a whole entry or none. Opening checks the magic, the sizes, the
 * format version and the CRC: a truncated or corrupt file is reported (`CorruptEntry`), never trusted.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import { crc32 } from 'node:zlib';

export const CACHE_FORMAT = 1;
const MAGIC = Buffer.from('MMXFC001', 'latin1');
const TAIL = 4 + MAGIC.length;
const BLOCK = 8 << 20;

/** Row status in an entry. */
export const RowStatus = { NotRead: 0, Ok: 1, Failed: 2 } as const;
export type RowStatus = (typeof RowStatus)[keyof typeof RowStatus];

/** What an entry describes (kept in its footer; `mmx cache` lists it). */
export interface EntryInfo {
  key: string;
  /** input name, modality and manifest the entry was made for (information only: the key decides) */
  input: string;
  modality: string;
  manifest: string;
  rows: number;
  rowSize: number;
  shape: number[];
}

interface Footer extends EntryInfo {
  format: number;
  endian: 'LE';
  dataBytes: number;
  crc: number;
  /** base64 of one RowStatus byte per row */
  status: string;
  /** decode error message per failed row */
  errors: Record<string, string>;
  created: string;
}

export class CorruptEntry extends Error {
  override readonly name = 'CorruptEntry';
}

if (os.endianness() !== 'LE') throw new Error('the feature cache supports little-endian machines only');

const bytesOf = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** CRC-32 of bytes [0, length) of an open file, read in blocks. */
function crcOfFile(fd: number, length: number): number {
  const buf = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(length, 1)));
  let crc = 0;
  for (let pos = 0; pos < length; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos);
    if (n <= 0) throw new CorruptEntry('the file ended early');
    crc = crc32(buf.subarray(0, n), crc);
    pos += n;
  }
  return crc;
}

/** The host part of a temp file's name: the host name with anything but letters, digits and dots as `_`. */
export const hostTag = (host = os.hostname()): string => host.replace(/[^A-Za-z0-9.]/g, '_') || 'host';

/**
 * `<entry>.tmp-<host>-<pid>-<random>`: which process writes it, so that the one left by a killed writer can be
 * told from one being written now (FeatureCache.sweepStale).
 */
export function tmpNameFor(file: string): string {
  return `${file}.tmp-${hostTag()}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Writes an entry: rows go straight to a temp file; `commit` renames it into place. */
export class EntryWriter {
  private readonly fd: number;
  private readonly status: Uint8Array;
  private readonly errors: Record<string, string> = {};
  private readonly rowBytes: number;
  private readonly tmp: string;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly info: EntryInfo,
  ) {
    this.tmp = tmpNameFor(file);
    this.fd = openSync(this.tmp, 'w+');
    this.rowBytes = info.rowSize * 4;
    ftruncateSync(this.fd, info.rows * this.rowBytes);
    this.status = new Uint8Array(info.rows);
  }

  put(row: number, features: Float32Array): void {
    if (features.length !== this.info.rowSize)
      throw new Error(`cache entry for '${this.info.input}': row of ${features.length} values, expected ${this.info.rowSize}`);
    writeSync(this.fd, bytesOf(features), 0, this.rowBytes, row * this.rowBytes);
    this.status[row] = RowStatus.Ok;
  }

  fail(row: number, message: string): void {
    this.status[row] = RowStatus.Failed;
    this.errors[row] = message;
  }

  /** Seals the entry (CRC, footer) and renames it into place; returns the bytes written. */
  commit(): number {
    const dataBytes = this.info.rows * this.rowBytes;
    const footer: Footer = {
      ...this.info,
      format: CACHE_FORMAT,
      endian: 'LE',
      dataBytes,
      crc: crcOfFile(this.fd, dataBytes),
      status: Buffer.from(this.status.buffer, this.status.byteOffset, this.status.byteLength).toString('base64'),
      errors: this.errors,
      created: new Date().toISOString(),
    };
    const json = Buffer.from(JSON.stringify(footer), 'utf8');
    const tail = Buffer.alloc(TAIL);
    tail.writeUInt32LE(json.length, 0);
    MAGIC.copy(tail, 4);
    writeSync(this.fd, Buffer.concat([json, tail]), 0, json.length + TAIL, dataBytes);
    closeSync(this.fd);
    this.done = true;
    renameSync(this.tmp, this.file);
    return dataBytes + json.length + TAIL;
  }

  /** Drops the temp file (the run failed or was interrupted while decoding). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {}
    try {
      unlinkSync(this.tmp);
    } catch {}
  }
}

/** An opened, checked entry. Rows are read with positional reads; `close` releases the file. */
export class Entry {
  private constructor(
    private readonly fd: number,
    readonly info: EntryInfo,
    private readonly status: Uint8Array,
    private readonly errors: Record<string, string>,
    readonly bytes: number,
    readonly created: Date,
  ) {}

  /** Opens and checks an entry; `verify: false` skips the CRC (listing). @throws CorruptEntry */
  static open(file: string, options: { key?: string; verify?: boolean } = {}): Entry {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < TAIL) throw new CorruptEntry(`truncated (${size} bytes)`);
      const tail = Buffer.alloc(TAIL);
      readSync(fd, tail, 0, TAIL, size - TAIL);
      if (!tail.subarray(4).equals(MAGIC)) throw new CorruptEntry('no end marker (truncated or not a cache entry)');
      const footerLength = tail.readUInt32LE(0);
      if (footerLength + TAIL > size) throw new CorruptEntry('footer length is out of range');
      const json = Buffer.alloc(footerLength);
      readSync(fd, json, 0, footerLength, size - TAIL - footerLength);
      let footer: Footer;
      try {
        footer = JSON.parse(json.toString('utf8')) as Footer;
      } catch {
        throw new CorruptEntry('unreadable footer');
      }
      if (footer.format !== CACHE_FORMAT) throw new CorruptEntry(`format ${footer.format}, this mmx writes ${CACHE_FORMAT}`);
      if (options.key !== undefined && footer.key !== options.key) throw new CorruptEntry('key does not match the file name');
      if (footer.dataBytes !== footer.rows * footer.rowSize * 4 || footer.dataBytes + footerLength + TAIL !== size)
        throw new CorruptEntry('sizes do not add up');
      const status = new Uint8Array(Buffer.from(footer.status, 'base64'));
      if (status.length !== footer.rows) throw new CorruptEntry('row status does not match the row count');
      if (options.verify !== false && crcOfFile(fd, footer.dataBytes) !== footer.crc) throw new CorruptEntry('checksum mismatch');
      const info: EntryInfo = {
        key: footer.key,
        input: footer.input,
        modality: footer.modality,
        manifest: footer.manifest,
        rows: footer.rows,
        rowSize: footer.rowSize,
        shape: footer.shape,
      };
      return new Entry(fd, info, status, footer.errors, size, new Date(footer.created));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  rowStatus(row: number): RowStatus {
    return (this.status[row] ?? RowStatus.NotRead) as RowStatus;
  }

  /** The decode error recorded for a failed row. */
  error(row: number): string {
    return this.errors[row] ?? 'cannot decode';
  }

  /** Reads row `row` into `out` (rowSize values). */
  read(row: number, out: Float32Array): void {
    this.readRun(row, 1, out);
  }

  /** Reads rows `row .. row + count - 1` (contiguous in the file) into `out`, in one read. */
  readRun(row: number, count: number, out: Float32Array): void {
    const rowBytes = this.info.rowSize * 4;
    const bytes = bytesOf(out.subarray(0, count * this.info.rowSize));
    for (let done = 0; done < bytes.length; ) {
      const got = readSync(this.fd, bytes, done, bytes.length - done, row * rowBytes + done);
      if (got <= 0) throw new CorruptEntry(`rows ${row + 1}-${row + count}: short read`);
      done += got;
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {}
  }
}
