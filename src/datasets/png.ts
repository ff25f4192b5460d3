/**
 * The one PNG flavour the data sets use: 8-bit grayscale, not interlaced. Encoding it by hand is a few
 * lines and much faster than a general image library for 3,000 tiny images; decoding it by hand makes
 * the pixel check of a prepared copy cheap. Anything else is left to sharp (`decodeGray8` returns undefined).
 */
import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let table: Uint32Array | undefined;
/** CRC-32 (as in PNG and zip) of `buf`, continuing from `crc` (pre-inverted); invert the result to finish. */
export function crc32(buf: Uint8Array, crc = 0xffffffff): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  for (const b of buf) crc = table[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return crc;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(data, crc32(head.subarray(4))) ^ 0xffffffff) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit grayscale PNG (filter 0 on every row, zlib level 9). */
export function encodeGray8(pixels: Uint8Array, width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Pixels of an 8-bit grayscale, non-interlaced PNG; undefined for any other kind (or a damaged file). */
export function decodeGray8(png: Buffer): { width: number; height: number; pixels: Buffer } | undefined {
  if (png.length < 8 + 25 || !png.subarray(0, 8).equals(SIGNATURE)) return undefined;
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off + 12 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > png.length) return undefined;
    const data = png.subarray(off + 8, off + 8 + len);
    if ((crc32(data, crc32(png.subarray(off + 4, off + 8))) ^ 0xffffffff) >>> 0 !== png.readUInt32BE(off + 8 + len)) return undefined;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[10] !== 0 || data[11] !== 0 || data[12] !== 0) return undefined;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (!width || !height || idat.length === 0) return undefined;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch {
    return undefined;
  }
  if (raw.length !== (width + 1) * height) return undefined;
  const out = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)]!;
    const line = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? out[row + x - 1]! : 0;
      const b = y > 0 ? out[row - width + x]! : 0;
      const c = x > 0 && y > 0 ? out[row - width + x - 1]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) return undefined;
      out[row + x] = v & 0xff;
    }
  }
  return { width, height, pixels: out };
}
