/**
 * Test helper: write WAV files byte by byte (independently of the decoder under test), in every
 * encoding the decoder supports.
 */

export type WavEncoding = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export interface WavSpec {
  encoding: WavEncoding;
  sampleRate: number;
  /** one array per channel, values in [-1, 1) */
  channels: Float32Array[] | number[][];
  /** write a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk */
  extensible?: boolean;
  /** extra chunks written between fmt and data (id must be 4 characters) */
  extraChunks?: { id: string; body: Uint8Array }[];
}

const BYTES: Record<WavEncoding, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 };

/** Encode a WAV file. Integer encodings round to the nearest step and clip. */
export function encodeWav(spec: WavSpec): Uint8Array {
  const { encoding, sampleRate, channels } = spec;
  const nch = channels.length;
  const frames = channels[0]?.length ?? 0;
  const bytes = BYTES[encoding];
  const isFloat = encoding === 'f32' || encoding === 'f64';
  const blockAlign = nch * bytes;
  const dataSize = frames * blockAlign;

  const fmtSize = spec.extensible ? 40 : 16;
  const extra = spec.extraChunks ?? [];
  const extraSize = extra.reduce((s, c) => s + 8 + c.body.length + (c.body.length & 1), 0);
  const total = 12 + 8 + fmtSize + extraSize + 8 + dataSize + (dataSize & 1);
  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  let p = 0;
  const tag = (s: string) => {
    for (let i = 0; i < 4; i++) buf[p++] = s.charCodeAt(i);
  };
  tag('RIFF');
  v.setUint32(p, total - 8, true);
  p += 4;
  tag('WAVE');

  tag('fmt ');
  v.setUint32(p, fmtSize, true);
  const formatTag = isFloat ? 3 : 1;
  v.setUint16(p + 4, spec.extensible ? 0xfffe : formatTag, true);
  v.setUint16(p + 6, nch, true);
  v.setUint32(p + 8, sampleRate, true);
  v.setUint32(p + 12, sampleRate * blockAlign, true);
  v.setUint16(p + 16, blockAlign, true);
  v.setUint16(p + 18, bytes * 8, true);
  if (spec.extensible) {
    v.setUint16(p + 20, 22, true); // cbSize
    v.setUint16(p + 22, bytes * 8, true); // valid bits
    v.setUint32(p + 24, nch === 2 ? 3 : 4, true); // channel mask
    // SubFormat GUID: {0000000X-0000-0010-8000-00AA00389B71}
    const guid = [formatTag, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
    buf.set(guid, p + 28);
  }
  p += 4 + fmtSize;

  for (const c of extra) {
    tag(c.id);
    v.setUint32(p, c.body.length, true);
    p += 4;
    buf.set(c.body, p);
    p += c.body.length + (c.body.length & 1);
  }

  tag('data');
  v.setUint32(p, dataSize, true);
  p += 4;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++, p += bytes) {
      const x = channels[c]![i]!;
      switch (encoding) {
        case 'u8':
          v.setUint8(p, clip(Math.round(x * 128) + 128, 0, 255));
          break;
        case 's16':
          v.setInt16(p, clip(Math.round(x * 32768), -32768, 32767), true);
          break;
        case 's24': {
          const s = clip(Math.round(x * 8388608), -8388608, 8388607);
          v.setUint8(p, s & 0xff);
          v.setUint8(p + 1, (s >> 8) & 0xff);
          v.setUint8(p + 2, (s >> 16) & 0xff);
          break;
        }
        case 's32':
          v.setInt32(p, clip(Math.round(x * 2147483648), -2147483648, 2147483647), true);
          break;
        case 'f32':
          v.setFloat32(p, x, true);
          break;
        case 'f64':
          v.setFloat64(p, x, true);
          break;
      }
    }
  }
  return buf;
}

function clip(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** A sine of `freq` Hz, `seconds` long, at `sampleRate`, peak `amplitude`. */
export function sine(freq: number, sampleRate: number, seconds: number, amplitude = 1, phase = 0): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return out;
}
