import { DecodeError } from '../decode-error.js';

/** Decoded audio: one Float32Array per channel, all of the same length. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Names of common WAV encodings we refuse, for a helpful message. */
const UNSUPPORTED_FORMATS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0055: 'MPEG layer 3',
};

/**
 * Decode a RIFF/WAVE file: integer PCM (8-bit unsigned, 16/24/32-bit signed), IEEE float (32/64-bit),
 * plain or WAVE_FORMAT_EXTENSIBLE, any number of channels. Samples are scaled to [-1, 1)
 * (integers divided by 2^(bits-1); 8-bit is offset by 128 first; float data is passed through unchanged).
 *
 * Chunks are walked properly (LIST, fact, cue, ... and pad bytes are skipped), so files from any common
 * writer decode. A data chunk whose declared size runs past the end of the file is an error (truncated
 * file), except for the 0xFFFFFFFF placeholder that streaming writers leave, which means "to the end".
 *
 * @param buf the whole file
 * @param file only used to label errors
 * @throws DecodeError "cannot decode audio: <reason>" for anything that is not a WAV this function can read.
 */
export function decodeWav(buf: Uint8Array, file = ''): DecodedAudio {
  const fail = (reason: string): never => {
    throw new DecodeError(`cannot decode audio: ${reason}`, file);
  };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = wavHeaderProblem(buf);
  if (header !== undefined) fail(header);

  let fmt: FmtChunk | undefined;
  let data: { offset: number; size: number } | undefined;
  let pos = 12;
  while (pos + 8 <= buf.length && data === undefined) {
    const id = fourCC(buf, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (body + size > buf.length) fail('truncated file (fmt chunk is cut off)');
      fmt = parseFmt(view, body, size, fail);
    } else if (id === 'data') {
      const available = buf.length - body;
      if (size === 0xffffffff) {
        data = { offset: body, size: available }; // streaming placeholder: data runs to the end
      } else if (size > available) {
        fail(`truncated file (data chunk declares ${size} bytes, only ${available} present)`);
      } else {
        data = { offset: body, size };
      }
    }
    pos = body + size + (size & 1); // chunks are padded to an even length
  }
  if (fmt === undefined) {
    return fail(data === undefined ? 'truncated or corrupt WAV (no fmt chunk)' : 'corrupt WAV (data chunk before fmt chunk)');
  }
  if (data === undefined) return fail('truncated or corrupt WAV (no data chunk)');
  return decodeSamples(view, fmt, data, fail);
}

/** Bytes of a file that {@link wavHeaderProblem} looks at. */
export const WAV_HEADER_BYTES = 12;

/**
 * What is wrong with a file's first bytes for a WAV file, or undefined when they start a RIFF/WAVE file: the check
 * `decodeWav` starts with, and what `mmx validate` runs on every audio file of a manifest (reading 12 bytes each).
 * `size`: the whole file's size, when `head` holds only its start.
 */
export function wavHeaderProblem(head: Uint8Array, size = head.length): string | undefined {
  if (size === 0) return 'file is empty';
  if (size < WAV_HEADER_BYTES || head.length < WAV_HEADER_BYTES) return `not a WAV file (only ${size} bytes)`;
  const riff = fourCC(head, 0);
  if (riff !== 'RIFF') {
    if (riff === 'RIFX') return 'big-endian WAV (RIFX) is not supported';
    if (riff === 'RF64') return 'RF64 (64-bit WAV) is not supported';
    return `not a WAV file (${sniffFormat(head)})`;
  }
  if (fourCC(head, 8) !== 'WAVE') return `not a WAV file (RIFF type "${printable(fourCC(head, 8))}", expected "WAVE")`;
  return undefined;
}

/**
 * Mix channels down to one by averaging them sample by sample. A single channel is returned as is
 * (not copied).
 */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (first === undefined) return new Float32Array(0);
  if (channels.length === 1) return first;
  const n = first.length;
  const out = new Float32Array(n);
  for (const ch of channels) {
    if (ch.length !== n) throw new RangeError('toMono: channels differ in length');
    for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i]! *= scale;
  return out;
}

interface FmtChunk {
  /** PCM or FLOAT after resolving WAVE_FORMAT_EXTENSIBLE */
  format: typeof FORMAT_PCM | typeof FORMAT_FLOAT;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function parseFmt(view: DataView, at: number, size: number, fail: (reason: string) => never): FmtChunk {
  if (size < 16) fail(`corrupt WAV (fmt chunk of ${size} bytes, expected at least 16)`);
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40) fail(`corrupt WAV (WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes, expected 40)`);
    format = view.getUint16(at + 24, true); // first two bytes of the SubFormat GUID
  }
  if (format !== FORMAT_PCM && format !== FORMAT_FLOAT) {
    const name = UNSUPPORTED_FORMATS[format];
    fail(`unsupported WAV encoding ${name ?? `(format tag 0x${format.toString(16).padStart(4, '0')})`}; only PCM and IEEE float are read`);
  }
  if (channels === 0) fail('corrupt WAV (0 channels)');
  if (sampleRate === 0) fail('corrupt WAV (sample rate 0)');
  return { format: format as FmtChunk['format'], channels, sampleRate, blockAlign, bitsPerSample };
}

function decodeSamples(
  view: DataView,
  fmt: FmtChunk,
  data: { offset: number; size: number },
  fail: (reason: string) => never,
): DecodedAudio {
  const { format, channels, bitsPerSample } = fmt;
  // Container size: bits are rounded up to whole bytes (e.g. 20-bit samples sit in 3 bytes, left-justified).
  const bytes = Math.ceil(bitsPerSample / 8);
  if (fmt.blockAlign !== bytes * channels) {
    fail(`corrupt WAV (block align ${fmt.blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits)`);
  }
  const supported = format === FORMAT_FLOAT ? bytes === 4 || bytes === 8 : bytes >= 1 && bytes <= 4;
  if (!supported) fail(`unsupported WAV sample size: ${bitsPerSample}-bit ${format === FORMAT_FLOAT ? 'float' : 'PCM'}`);
  if (data.size % fmt.blockAlign !== 0) {
    fail(`truncated file (data chunk of ${data.size} bytes is not a whole number of ${fmt.blockAlign}-byte frames)`);
  }
  const frames = data.size / fmt.blockAlign;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const read = sampleReader(view, format, bytes);
  let p = data.offset;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, p += bytes) out[c]![i] = read(p);
  }
  if (format === FORMAT_FLOAT) {
    for (const ch of out) if (!ch.every(Number.isFinite)) fail('corrupt WAV (float samples contain NaN or infinity)');
  }
  return { sampleRate: fmt.sampleRate, channels: out };
}

/** A function reading one sample at a byte offset, scaled to [-1, 1). */
function sampleReader(view: DataView, format: number, bytes: number): (p: number) => number {
  if (format === FORMAT_FLOAT) {
    return bytes === 4 ? (p) => view.getFloat32(p, true) : (p) => view.getFloat64(p, true);
  }
  switch (bytes) {
    case 1:
      return (p) => (view.getUint8(p) - 128) / 128;
    case 2:
      return (p) => view.getInt16(p, true) / 32768;
    case 3:
      return (p) => (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 8388608;
    default:
      return (p) => view.getInt32(p, true) / 2147483648;
  }
}

function fourCC(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at] ?? 0, buf[at + 1] ?? 0, buf[at + 2] ?? 0, buf[at + 3] ?? 0);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** Best guess at what a non-WAV file is, for the error message. */
function sniffFormat(buf: Uint8Array): string {
  const head = fourCC(buf, 0);
  if (head === 'fLaC') return 'looks like FLAC; convert it to WAV';
  if (head === 'OggS') return 'looks like Ogg (Vorbis/Opus); convert it to WAV';
  if (head.startsWith('ID3') || (buf[0] === 0xff && ((buf[1] ?? 0) & 0xe0) === 0xe0)) return 'looks like MP3; convert it to WAV';
  if (fourCC(buf, 4) === 'ftyp') return 'looks like MP4/M4A; convert it to WAV';
  if (head === '\x89PNG' || (buf[0] === 0xff && buf[1] === 0xd8)) return 'looks like an image (PNG/JPEG)';
  return 'no RIFF header';
}
