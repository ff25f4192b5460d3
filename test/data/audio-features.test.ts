import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { audioFeatureShape, audioFeatures, loadAudioFeatures, type AudioFeatureOptions } from '../../src/data/audio/features.js';
import { LOG_MEL_FLOOR, logMelSpectrogram } from '../../src/data/audio/mel.js';
import { decodeWav } from '../../src/data/audio/wav.js';
import { DecodeError } from '../../src/data/decode-error.js';
import { dataPath } from '../helpers/data.js';
import { encodeWav, sine } from './wav-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const O: AudioFeatureOptions = { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10, maxDurationS: 1.0 };
const FLOOR = Math.fround(LOG_MEL_FLOOR);

let tmp = '';
before(() => {
  tmp = tempDir('mmx-audio-');
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function frameOf(data: Float32Array, t: number, nMels = 40): Float32Array {
  return data.subarray(t * nMels, (t + 1) * nMels);
}

function bandOfMax(frame: Float32Array): number {
  let best = 0;
  for (let i = 1; i < frame.length; i++) if (frame[i]! > frame[best]!) best = i;
  return best;
}

describe('audioFeatureShape', () => {
  it('is [1 + floor(max samples / hop), nMels]', () => {
    assert.deepEqual(audioFeatureShape(O), [101, 40]);
    assert.deepEqual(audioFeatureShape({ ...O, sampleRate: 16000, nMels: 64, maxDurationS: 2.5 }), [251, 64]);
    assert.deepEqual(audioFeatureShape({ ...O, hopMs: 20 }), [51, 40]);
  });
});

describe('loadAudioFeatures', () => {
  it('real FSDD recording: fixed shape, finite values, short clip padded with the log floor', async () => {
    const file = dataPath('fsdd', 'recordings', '0_george_0.wav'); // 2,384 samples = 0.298 s
    const f = await loadAudioFeatures(file, O);
    assert.equal(f.length, 101 * 40);
    assert.ok(f.every(Number.isFinite), 'f.every(Number.isFinite)');
    const computed = 1 + Math.floor(2384 / 80); // 30 frames of real signal
    assert.ok(
      frameOf(f, 5).some((v) => v > FLOOR + 5),
      'speech frames carry energy',
    );
    for (let t = computed; t < 101; t++)
      assert.ok(
        frameOf(f, t).every((v) => v === FLOOR),
        `frame ${t} is padding`,
      );
    // identical to the in-memory path and to a direct spectrogram of the samples
    const decoded = decodeWav(readFileSync(file), file);
    assert.deepEqual(audioFeatures(decoded, O), f);
    const direct = logMelSpectrogram(decoded.channels[0]!, O);
    assert.equal(direct.frames, computed);
    assert.deepEqual(f.subarray(0, computed * 40), direct.data);
  });

  it('a clip longer than max_duration_s keeps exactly the leading frames of its full spectrogram', async () => {
    const file = dataPath('fsdd', 'recordings', '9_theo_16.wav'); // 18,262 samples = 2.28 s
    const decoded = decodeWav(readFileSync(file), file);
    const n = decoded.channels[0]!.length;
    const o = O; // 1.0 s, shorter than the clip
    assert.ok(n > 8000 + 128, `clip of ${n} samples`);
    const f = await loadAudioFeatures(file, o);
    const [frames] = audioFeatureShape(o);
    assert.equal(f.length, frames * 40);
    assert.deepEqual(f, logMelSpectrogram(decoded.channels[0]!, o).data.subarray(0, frames * 40));
  });

  it('stereo 16 kHz float WAV: mixed to mono and resampled to 8 kHz before analysis', async () => {
    const tone = sine(1000, 16000, 0.5, 0.5);
    const silent = new Float32Array(tone.length);
    const file = path.join(tmp, 'stereo16k.wav');
    writeFileSync(file, encodeWav({ encoding: 'f32', sampleRate: 16000, channels: [tone, silent] }));
    const f = await loadAudioFeatures(file, O);
    assert.equal(f.length, 101 * 40);
    // reference: the same tone (at half amplitude, the mono mix) synthesised directly at 8 kHz
    const ref = logMelSpectrogram(sine(1000, 8000, 0.5, 0.25), O);
    for (let t = 5; t < 45; t++) {
      const a = frameOf(f, t);
      const b = frameOf(ref.data, t);
      assert.equal(bandOfMax(a), bandOfMax(b), `frame ${t}`);
      const band = bandOfMax(b);
      assert.ok(Math.abs(a[band]! - b[band]!) < 1e-3, `frame ${t}: ${a[band]} vs ${b[band]}`);
    }
    for (let t = 52; t < 101; t++)
      assert.ok(
        frameOf(f, t).every((v) => v === FLOOR),
        'frameOf(f, t).every((v) => v === FLOOR)',
      );
  });

  it('all integer encodings of one clip give near-identical features', async () => {
    const x = sine(440, 8000, 0.3, 0.6);
    const results: Float32Array[] = [];
    for (const encoding of ['s16', 's24', 's32', 'f64'] as const) {
      const file = path.join(tmp, `clip-${encoding}.wav`);
      writeFileSync(file, encodeWav({ encoding, sampleRate: 8000, channels: [x], extensible: encoding === 's24' }));
      results.push(await loadAudioFeatures(file, O));
    }
    for (const r of results.slice(1)) {
      for (let i = 0; i < 30 * 40; i++) {
        if (results[0]![i]! > -5) assert.ok(Math.abs(r[i]! - results[0]![i]!) < 1e-2, `value ${i}`);
      }
    }
  });

  it('reports bad files as DecodeError', async () => {
    const check = async (file: string, pattern: RegExp) =>
      assert.rejects(loadAudioFeatures(file, O), (err: unknown) => {
        assert.ok(err instanceof DecodeError, String(err));
        assert.match(err.message, /^cannot decode audio: /);
        assert.match(err.message, pattern);
        assert.equal(err.file, file);
        return true;
      });
    await check(path.join(tmp, 'missing.wav'), /file not found/);
    const truncated = path.join(tmp, 'truncated.wav');
    writeFileSync(truncated, readFileSync(dataPath('fsdd', 'recordings', '0_george_0.wav')).subarray(0, 2000));
    await check(truncated, /truncated/);
    const empty = path.join(tmp, 'nosamples.wav');
    writeFileSync(empty, encodeWav({ encoding: 's16', sampleRate: 8000, channels: [[]] }));
    await check(empty, /no samples/);
    await check(dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'), /not a WAV file/);
  });
});
