import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resample } from '../../src/data/audio/resample.js';
import { sine } from './wav-fixture.js';

/** Largest |y[i] - ideal(i)| over the middle of y (away from the zero-padded ends). */
function maxErrorMiddle(y: Float32Array, ideal: (i: number) => number, margin: number): number {
  let err = 0;
  for (let i = margin; i < y.length - margin; i++) err = Math.max(err, Math.abs(y[i]! - ideal(i)));
  return err;
}

function rmsMiddle(y: Float32Array, margin: number): number {
  let s = 0;
  let n = 0;
  for (let i = margin; i < y.length - margin; i++, n++) s += y[i]! * y[i]!;
  return Math.sqrt(s / n);
}

/** Amplitude and frequency of the dominant tone near `freq`, by least squares on sin/cos at a few candidate frequencies. */
function toneAmplitude(y: Float32Array, freq: number, rate: number, margin: number): number {
  let a = 0;
  let b = 0;
  let n = 0;
  for (let i = margin; i < y.length - margin; i++, n++) {
    const w = (2 * Math.PI * freq * i) / rate;
    a += y[i]! * Math.sin(w);
    b += y[i]! * Math.cos(w);
  }
  return (2 * Math.hypot(a, b)) / n;
}

describe('resample', () => {
  it('is the identity (a copy) for equal rates', () => {
    const x = sine(440, 8000, 0.1);
    const y = resample(x, 8000, 8000);
    assert.deepEqual(y, x);
    assert.notEqual(y, x);
    assert.deepEqual(resample(x, 8000, 8000, 10), x.slice(0, 10));
  });

  it('16 kHz → 8 kHz keeps a 440 Hz tone: frequency, amplitude and phase', () => {
    const x = sine(440, 16000, 1, 0.8);
    const y = resample(x, 16000, 8000);
    assert.equal(y.length, 8000);
    const err = maxErrorMiddle(y, (i) => 0.8 * Math.sin((2 * Math.PI * 440 * i) / 8000), 200);
    assert.ok(err < 2e-3, `max error ${err}`);
    assert.ok(Math.abs(toneAmplitude(y, 440, 8000, 200) - 0.8) < 2e-3, 'Math.abs(toneAmplitude(y, 440, 8000, 200) - 0.8) < 2e-3');
    // and nothing at a nearby wrong frequency
    assert.ok(toneAmplitude(y, 460, 8000, 200) < 0.05, 'toneAmplitude(y, 460, 8000, 200) < 0.05');
  });

  it('16 kHz → 8 kHz suppresses a 6 kHz tone (would alias to 2 kHz)', () => {
    const x = sine(6000, 16000, 1, 1);
    const y = resample(x, 16000, 8000);
    const rms = rmsMiddle(y, 200);
    assert.ok(rms < 1e-3, `aliased rms ${rms} (input rms 0.707)`); // < -57 dB
    assert.ok(toneAmplitude(y, 2000, 8000, 200) < 1e-3, 'toneAmplitude(y, 2000, 8000, 200) < 1e-3');
  });

  it('suppresses tones just above the new Nyquist frequency', () => {
    for (const f of [4300, 5000, 7000]) {
      const y = resample(sine(f, 16000, 0.5), 16000, 8000);
      const rms = rmsMiddle(y, 200);
      assert.ok(rms < 3e-3, `${f} Hz: rms ${rms}`);
    }
  });

  it('passes tones well inside the new band unchanged (flat passband)', () => {
    for (const f of [100, 1000, 2500, 3000]) {
      const y = resample(sine(f, 16000, 0.5), 16000, 8000);
      const amp = toneAmplitude(y, f, 8000, 200);
      assert.ok(Math.abs(amp - 1) < 5e-3, `${f} Hz: amplitude ${amp}`);
    }
  });

  it('44.1 kHz → 8 kHz (rational 80/441, polyphase) keeps a 1 kHz tone', () => {
    const x = sine(1000, 44100, 0.5);
    const y = resample(x, 44100, 8000);
    assert.equal(y.length, Math.ceil((x.length * 8000) / 44100));
    const err = maxErrorMiddle(y, (i) => Math.sin((2 * Math.PI * 1000 * i) / 8000), 200);
    assert.ok(err < 2e-3, `max error ${err}`);
  });

  it('upsamples 8 kHz → 16 kHz without imaging', () => {
    const x = sine(1000, 8000, 0.5);
    const y = resample(x, 8000, 16000);
    assert.equal(y.length, 8000);
    const err = maxErrorMiddle(y, (i) => Math.sin((2 * Math.PI * 1000 * i) / 16000), 200);
    assert.ok(err < 2e-3, `max error ${err}`);
    assert.ok(toneAmplitude(y, 7000, 16000, 200) < 1e-3, 'toneAmplitude(y, 7000, 16000, 200) < 1e-3'); // the image of 1 kHz
  });

  it('handles non-integer rates (direct kernel evaluation)', () => {
    const x = sine(500, 16000, 0.5);
    const y = resample(x, 16000, 7999.5);
    const err = maxErrorMiddle(y, (i) => Math.sin((2 * Math.PI * 500 * i) / 7999.5), 200);
    assert.ok(err < 2e-3, `max error ${err}`);
  });

  it('preserves DC exactly away from the edges', () => {
    const x = new Float32Array(4000).fill(0.5);
    for (const [from, to] of [
      [16000, 8000],
      [44100, 8000],
      [8000, 22050],
      [16000, 7999.5],
    ] as const) {
      const err = maxErrorMiddle(resample(x, from, to), () => 0.5, 150);
      assert.ok(err < 1e-6, `${from}→${to}: ${err}`);
    }
  });

  it('outLength computes an identical prefix', () => {
    const x = sine(700, 22050, 0.3);
    const full = resample(x, 22050, 8000);
    const head = resample(x, 22050, 8000, 500);
    assert.equal(head.length, 500);
    assert.deepEqual(head, full.subarray(0, 500));
    assert.equal(resample(x, 22050, 8000, 1e9).length, full.length);
    assert.equal(resample(new Float32Array(0), 16000, 8000).length, 0);
  });

  it('rejects non-positive rates', () => {
    assert.throws(() => resample(new Float32Array(4), 0, 8000), RangeError);
    assert.throws(() => resample(new Float32Array(4), 8000, Number.NaN), RangeError);
  });
});
