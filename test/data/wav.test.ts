import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeWav, toMono } from '../../src/data/audio/wav.js';
import { DecodeError } from '../../src/data/decode-error.js';
import { dataPath } from '../helpers/data.js';
import { encodeWav, type WavEncoding } from './wav-fixture.js';

/** Values exactly representable in every encoding (multiples of 1/128 in [-1, 127/128]). */
function exactSignal(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 37 + seed * 11) % 256) - 128) / 128;
  out[0] = -1;
  out[1] = 127 / 128;
  out[2] = 0;
  return out;
}

const ENCODINGS: WavEncoding[] = ['u8', 's16', 's24', 's32', 'f32', 'f64'];

function expectDecodeError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    assert.match(err.message, /^cannot decode audio: /);
    assert.match(err.message, pattern);
    assert.equal(err.file, 'x.wav');
    return true;
  });
}

describe('decodeWav: generated files', () => {
  const mono = exactSignal(1000, 1);
  const left = exactSignal(777, 2);
  const right = exactSignal(777, 3);

  for (const encoding of ENCODINGS) {
    for (const extensible of [false, true]) {
      it(`${encoding}${extensible ? ' extensible' : ''}: mono and stereo decode to the exact samples`, () => {
        const m = decodeWav(encodeWav({ encoding, sampleRate: 22050, channels: [mono], extensible }));
        assert.equal(m.sampleRate, 22050);
        assert.equal(m.channels.length, 1);
        assert.deepEqual(m.channels[0], mono);

        const s = decodeWav(encodeWav({ encoding, sampleRate: 44100, channels: [left, right], extensible }));
        assert.equal(s.sampleRate, 44100);
        assert.equal(s.channels.length, 2);
        assert.deepEqual(s.channels[0], left);
        assert.deepEqual(s.channels[1], right);
      });
    }
  }

  it('integer full scale maps to [-1, 1)', () => {
    const cases: [WavEncoding, number][] = [
      ['u8', 127 / 128],
      ['s16', 32767 / 32768],
      ['s24', 8388607 / 8388608],
      ['s32', 2147483647 / 2147483648],
    ];
    for (const [encoding, top] of cases) {
      const d = decodeWav(encodeWav({ encoding, sampleRate: 8000, channels: [[-1, 1, 0]] }));
      assert.deepEqual([...d.channels[0]!], [-1, Math.fround(top), 0], encoding);
    }
  });

  it('skips other chunks, including odd-sized ones with a pad byte', () => {
    const extraChunks = [
      { id: 'LIST', body: new Uint8Array([1, 2, 3, 4, 5]) },
      { id: 'fact', body: new Uint8Array([0, 1, 0, 0]) },
    ];
    const d = decodeWav(encodeWav({ encoding: 's16', sampleRate: 16000, channels: [mono], extraChunks }));
    assert.deepEqual(d.channels[0], mono);
  });

  it('decodes an empty data chunk to zero samples', () => {
    const d = decodeWav(encodeWav({ encoding: 's16', sampleRate: 8000, channels: [[]] }));
    assert.equal(d.channels[0]!.length, 0);
  });

  it('accepts the 0xFFFFFFFF data size that streaming writers leave', () => {
    const bytes = encodeWav({ encoding: 's16', sampleRate: 8000, channels: [mono] });
    new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
    assert.deepEqual(decodeWav(bytes).channels[0], mono);
  });
});

describe('toMono', () => {
  it('averages channels', () => {
    const m = toMono([Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 0])]);
    assert.deepEqual([...m], [0.5, 0.5, -0.5]);
  });

  it('returns a single channel as is', () => {
    const ch = Float32Array.from([0.25, -0.25]);
    assert.equal(toMono([ch]), ch);
  });

  it('mixes a decoded stereo file', () => {
    const l = Float32Array.from([0.5, -0.5, 0.25, 0]);
    const r = Float32Array.from([0.5, 0.5, -0.75, 1 - 1 / 32768]);
    const d = decodeWav(encodeWav({ encoding: 's16', sampleRate: 8000, channels: [l, r] }));
    assert.deepEqual([...toMono(d.channels)], [0.5, 0, -0.25, Math.fround((1 - 1 / 32768) / 2)]);
  });
});

describe('decodeWav: errors', () => {
  const good = encodeWav({ encoding: 's16', sampleRate: 8000, channels: [exactSignal(100, 4)] });

  it('rejects empty, tiny and non-WAV input', () => {
    expectDecodeError(() => decodeWav(new Uint8Array(0), 'x.wav'), /empty/);
    expectDecodeError(() => decodeWav(good.subarray(0, 6), 'x.wav'), /not a WAV file/);
    expectDecodeError(() => decodeWav(new TextEncoder().encode('hello, this is not audio at all'), 'x.wav'), /not a WAV file/);
    expectDecodeError(() => decodeWav(Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'x.wav'), /MP3/);
    expectDecodeError(() => decodeWav(new TextEncoder().encode('fLaC\0\0\0\x22 and more bytes'), 'x.wav'), /FLAC/);
    const avi = good.slice();
    avi.set(new TextEncoder().encode('AVI '), 8);
    expectDecodeError(() => decodeWav(avi, 'x.wav'), /RIFF type "AVI "/);
  });

  it('rejects truncated files with a clear reason', () => {
    expectDecodeError(() => decodeWav(good.subarray(0, good.length - 1), 'x.wav'), /truncated/);
    expectDecodeError(() => decodeWav(good.subarray(0, 100), 'x.wav'), /truncated.*declares 200 bytes, only 56 present/);
    expectDecodeError(() => decodeWav(good.subarray(0, 30), 'x.wav'), /truncated/);
    expectDecodeError(() => decodeWav(good.subarray(0, 40), 'x.wav'), /no data chunk/);
  });

  it('rejects unsupported encodings and inconsistent headers', () => {
    const adpcm = good.slice();
    new DataView(adpcm.buffer).setUint16(20, 0x0011, true);
    expectDecodeError(() => decodeWav(adpcm, 'x.wav'), /unsupported WAV encoding IMA ADPCM/);
    const weird = good.slice();
    new DataView(weird.buffer).setUint16(20, 0x1234, true);
    expectDecodeError(() => decodeWav(weird, 'x.wav'), /format tag 0x1234/);
    const badAlign = good.slice();
    new DataView(badAlign.buffer).setUint16(32, 3, true);
    expectDecodeError(() => decodeWav(badAlign, 'x.wav'), /block align/);
    const f16 = encodeWav({ encoding: 's16', sampleRate: 8000, channels: [[0, 0]] });
    new DataView(f16.buffer).setUint16(20, 3, true); // 16-bit "float"
    expectDecodeError(() => decodeWav(f16, 'x.wav'), /16-bit float/);
    const rifx = good.slice();
    rifx.set(new TextEncoder().encode('RIFX'), 0);
    expectDecodeError(() => decodeWav(rifx, 'x.wav'), /RIFX/);
  });

  it('rejects float data holding NaN', () => {
    expectDecodeError(() => decodeWav(encodeWav({ encoding: 'f32', sampleRate: 8000, channels: [[0, Number.NaN]] }), 'x.wav'), /NaN/);
  });
});

describe('decodeWav: real FSDD recordings', () => {
  it('every recording decodes to 8 kHz mono with the manifest sample count', () => {
    const lines = readFileSync(dataPath('fsdd', 'manifest.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const col = (name: string) => header.indexOf(name);
    assert.ok(lines.length > 3000, 'lines.length > 3000');
    let maxAbs = 0;
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      const file = dataPath('fsdd', f[col('audio_path')]!);
      const d = decodeWav(readFileSync(file), file);
      assert.equal(d.sampleRate, Number(f[col('sample_rate')]), file);
      assert.equal(d.channels.length, 1, file);
      assert.equal(d.channels[0]!.length, Number(f[col('num_samples')]), path.basename(file));
      for (const x of d.channels[0]!) maxAbs = Math.max(maxAbs, Math.abs(x));
    }
    assert.ok(maxAbs > 0.1 && maxAbs <= 1, `peak ${maxAbs}`);
  });

  it('a real recording cut short is reported as truncated', () => {
    const file = dataPath('fsdd', 'recordings', '0_george_0.wav');
    const bytes = readFileSync(file);
    assert.throws(
      () => decodeWav(bytes.subarray(0, 1000), file),
      (err: unknown) => {
        assert.ok(err instanceof DecodeError, 'err instanceof DecodeError');
        assert.match(err.message, /^cannot decode audio: truncated file/);
        assert.equal(err.file, file);
        return true;
      },
    );
  });
});
