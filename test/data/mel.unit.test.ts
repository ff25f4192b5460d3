import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyMelFilters, hzToMel, melFilterbank, melFrequencies, melToHz } from '../../src/data/audio/mel-filterbank.js';
import {
  fitFrames,
  frameCount,
  framesForDuration,
  LOG_MEL_FLOOR,
  logMelSpectrogram,
  stftParams,
  type LogMelOptions,
} from '../../src/data/audio/mel.js';
import { sine } from './wav-fixture.js';

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** Mean over frames of each mel band. */
function meanBands(spec: { frames: number; nMels: number; data: Float32Array }): number[] {
  const out = new Array<number>(spec.nMels).fill(0);
  for (let t = 0; t < spec.frames; t++) for (let m = 0; m < spec.nMels; m++) out[m]! += spec.data[t * spec.nMels + m]! / spec.frames;
  return out;
}

describe('mel scale (Slaney)', () => {
  it('is linear below 1 kHz and logarithmic above', () => {
    assert.equal(hzToMel(0), 0);
    assert.ok(Math.abs(hzToMel(200 / 3) - 1) < 1e-12, 'Math.abs(hzToMel(200 / 3) - 1) < 1e-12');
    assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12, 'Math.abs(hzToMel(1000) - 15) < 1e-12');
    assert.ok(Math.abs(hzToMel(6400) - 42) < 1e-9, 'Math.abs(hzToMel(6400) - 42) < 1e-9'); // 27 mels per factor 6.4 above 1 kHz
    for (const hz of [0, 50, 999, 1000, 1234.5, 4000, 8000, 22050]) {
      assert.ok(Math.abs(melToHz(hzToMel(hz)) - hz) < 1e-9 * Math.max(1, hz), `${hz}`);
    }
  });

  it('spaces frequencies evenly in mel', () => {
    const f = melFrequencies(10, 0, 8000);
    assert.equal(f[0], 0);
    assert.ok(Math.abs(f[9]! - 8000) < 1e-9, 'Math.abs(f[9]! - 8000) < 1e-9');
    const step = hzToMel(f[1]!) - hzToMel(f[0]!);
    for (let i = 1; i < 10; i++)
      assert.ok(Math.abs(hzToMel(f[i]!) - hzToMel(f[i - 1]!) - step) < 1e-9, 'Math.abs(hzToMel(f[i]!) - hzToMel(f[i - 1]!) - step) < 1e-9');
  });
});

describe('melFilterbank', () => {
  const sampleRate = 16000;
  const nFft = 2048;
  const fb = melFilterbank({ sampleRate, nFft, nMels: 40 });
  const binHz = sampleRate / nFft;

  it('has nMels rows of nFft/2 + 1 non-negative weights', () => {
    assert.equal(fb.nMels, 40);
    assert.equal(fb.nBins, 1025);
    assert.equal(fb.weights.length, 40 * 1025);
    assert.equal(fb.centers.length, 40);
    assert.ok(
      fb.weights.every((w) => w >= 0),
      'fb.weights.every((w) => w >= 0)',
    );
    assert.deepEqual(emptyMelFilters(fb), []);
  });

  it('rows are triangles peaking at their centre frequency, each with unit area in Hz (Slaney norm)', () => {
    for (let m = 0; m < fb.nMels; m++) {
      const row = fb.weights.subarray(m * fb.nBins, (m + 1) * fb.nBins);
      const peak = argmax(row);
      assert.ok(Math.abs(peak * binHz - fb.centers[m]!) <= binHz, `filter ${m} peaks at ${peak * binHz} Hz, centre ${fb.centers[m]}`);
      // unimodal: non-decreasing up to the peak, non-increasing after
      for (let k = 1; k <= peak; k++) assert.ok(row[k]! >= row[k - 1]!, 'row[k]! >= row[k - 1]!');
      for (let k = peak + 1; k < row.length; k++) assert.ok(row[k]! <= row[k - 1]!, 'row[k]! <= row[k - 1]!');
      let area = 0;
      for (const w of row) area += w * binHz;
      assert.ok(Math.abs(area - 1) < 0.02, `filter ${m} area ${area}`);
    }
  });

  it('adjacent filters overlap so that their unnormalised triangles sum to 1 between the first and last centres', () => {
    // Undo the Slaney scaling (height 2/(hi-lo)) and check the triangles tile the axis.
    const edges = melFrequencies(42, 0, sampleRate / 2);
    for (let k = Math.ceil(fb.centers[0]! / binHz); k * binHz <= fb.centers[39]!; k++) {
      let s = 0;
      for (let m = 0; m < 40; m++) s += fb.weights[m * fb.nBins + k]! / (2 / (edges[m + 2]! - edges[m]!));
      assert.ok(Math.abs(s - 1) < 1e-4, `bin ${k}: ${s}`);
    }
  });

  it('honours fMin and fMax', () => {
    const b = melFilterbank({ sampleRate, nFft, nMels: 20, fMin: 300, fMax: 3400 });
    for (let m = 0; m < 20; m++) {
      for (let k = 0; k < b.nBins; k++) {
        const f = k * binHz;
        if (f <= 300 || f >= 3400) assert.equal(b.weights[m * b.nBins + k], 0);
      }
    }
    assert.throws(() => melFilterbank({ sampleRate, nFft, nMels: 20, fMin: 3000, fMax: 300 }), RangeError);
    assert.throws(() => melFilterbank({ sampleRate, nFft, nMels: 20, fMax: 9000 }), RangeError);
  });

  it('reports filters too narrow to cover any FFT bin', () => {
    const tooMany = melFilterbank({ sampleRate: 8000, nFft: 256, nMels: 256 });
    assert.ok(emptyMelFilters(tooMany).length > 0, 'emptyMelFilters(tooMany).length > 0');
    assert.deepEqual(emptyMelFilters(melFilterbank({ sampleRate: 8000, nFft: 256, nMels: 40 })), []);
  });
});

describe('logMelSpectrogram', () => {
  const configs: { name: string; o: LogMelOptions; tones: number[] }[] = [
    {
      name: '16 kHz, 40 mels, 25/10 ms',
      o: { sampleRate: 16000, nMels: 40, windowMs: 25, hopMs: 10 },
      tones: [150, 440, 1000, 2345, 4000, 7000],
    },
    { name: '8 kHz, 40 mels, 25/10 ms', o: { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10 }, tones: [300, 700, 1500, 2900, 3600] },
    {
      name: '22.05 kHz, 64 mels, nFft 2048',
      o: { sampleRate: 22050, nMels: 64, windowMs: 46, hopMs: 12, nFft: 2048 },
      tones: [200, 880, 3000, 9000],
    },
  ];

  for (const { name, o, tones } of configs) {
    const fb = melFilterbank({ sampleRate: o.sampleRate, nFft: stftParams(o).nFft, nMels: o.nMels });
    const peakBand = (tone: number) => argmax(meanBands(logMelSpectrogram(sine(tone, o.sampleRate, 0.3, 0.5), o)));
    const nearestBand = (tone: number) => argmax(Array.from(fb.centers, (c) => -Math.abs(c - tone)));
    const describeBand = (m: number) => `band ${m} (${fb.centers[m]?.toFixed(0)} Hz)`;

    it(`${name}: a sine peaks in the mel band whose centre is nearest the tone`, () => {
      for (const tone of tones) {
        const peak = peakBand(tone);
        const nearest = nearestBand(tone);
        assert.equal(peak, nearest, `${tone} Hz peaked in ${describeBand(peak)}, nearest centre is ${describeBand(nearest)}`);
      }
    });

    it(`${name}: sweep — the peak is the nearest band away from midpoints, never further than its neighbour`, () => {
      const nyquist = o.sampleRate / 2;
      for (let tone = 60; tone < nyquist - 60; tone += nyquist / 97) {
        const peak = peakBand(tone);
        const nearest = nearestBand(tone);
        const c = fb.centers[nearest]!;
        const other = fb.centers[tone >= c ? nearest + 1 : nearest - 1];
        // position between the nearest centre (0) and the midpoint to its neighbour (0.5)
        const r = other === undefined ? 0 : Math.abs(tone - c) / Math.abs(other - c);
        const msg = `${tone.toFixed(1)} Hz peaked in ${describeBand(peak)}, nearest is ${describeBand(nearest)} (r=${r.toFixed(2)})`;
        if (r < 0.35) assert.equal(peak, nearest, msg);
        else assert.ok(Math.abs(peak - nearest) <= 1, msg);
      }
    });
  }

  it('gives 1 + floor(n / hop) centred frames of nMels values', () => {
    const o: LogMelOptions = { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10 };
    assert.deepEqual(stftParams(o), { win: 200, hop: 80, nFft: 256 });
    for (const n of [0, 1, 79, 80, 81, 2384, 8000]) {
      const spec = logMelSpectrogram(new Float32Array(n), o);
      assert.equal(spec.frames, 1 + Math.floor(n / 80), `n=${n}`);
      assert.equal(spec.frames, frameCount(n, 80));
      assert.equal(spec.nMels, 40);
      assert.equal(spec.data.length, spec.frames * 40);
    }
  });

  it('maps silence to the log floor ln(1e-6) exactly', () => {
    const spec = logMelSpectrogram(new Float32Array(1000), { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10 });
    assert.ok(Math.abs(LOG_MEL_FLOOR - Math.log(1e-6)) < 1e-12, 'Math.abs(LOG_MEL_FLOOR - Math.log(1e-6)) < 1e-12');
    assert.ok(
      spec.data.every((v) => v === Math.fround(LOG_MEL_FLOOR)),
      'spec.data.every((v) => v === Math.fround(LOG_MEL_FLOOR))',
    );
  });

  it('scales with power: +6.02 dB of amplitude adds ln(4) in the sine band', () => {
    const o: LogMelOptions = { sampleRate: 16000, nMels: 40, windowMs: 25, hopMs: 10 };
    const a = meanBands(logMelSpectrogram(sine(1000, 16000, 0.5, 0.25), o));
    const b = meanBands(logMelSpectrogram(sine(1000, 16000, 0.5, 0.5), o));
    const band = argmax(b);
    // edge frames (half in the zero padding) are included in the mean; the ratio holds for them too
    assert.ok(Math.abs(b[band]! - a[band]! - Math.log(4)) < 1e-3, `${b[band]! - a[band]!}`);
  });

  it('centres frame t on sample t·hop', () => {
    // A single click at sample 800 = frame 10's centre gives frame 10 the most energy.
    const x = new Float32Array(2000);
    x[800] = 1;
    const spec = logMelSpectrogram(x, { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10 });
    const energy = Array.from({ length: spec.frames }, (_, t) => spec.data.subarray(t * 40, (t + 1) * 40).reduce((s, v) => s + v, 0));
    assert.equal(argmax(energy), 10);
  });

  it('rejects impossible STFT settings', () => {
    assert.throws(() => stftParams({ sampleRate: 8000, windowMs: 25, hopMs: 10, nFft: 128 }), RangeError);
    assert.throws(() => stftParams({ sampleRate: 8000, windowMs: 25, hopMs: 10, nFft: 300 }), RangeError);
    assert.throws(() => stftParams({ sampleRate: 8000, windowMs: 25, hopMs: 0.01 }), RangeError);
    assert.equal(stftParams({ sampleRate: 16000, windowMs: 25, hopMs: 10 }).nFft, 512);
  });
});

describe('fitFrames and framesForDuration', () => {
  const spec = { frames: 3, nMels: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) };

  it('cuts extra frames at the end', () => {
    const cut = fitFrames(spec, 2);
    assert.equal(cut.frames, 2);
    assert.deepEqual([...cut.data], [1, 2, 3, 4]);
  });

  it('pads missing frames at the end with the log floor (or a given value)', () => {
    const padded = fitFrames(spec, 5);
    assert.equal(padded.frames, 5);
    const f = Math.fround(LOG_MEL_FLOOR);
    assert.deepEqual([...padded.data], [1, 2, 3, 4, 5, 6, f, f, f, f]);
    assert.deepEqual([...fitFrames(spec, 4, 0).data], [1, 2, 3, 4, 5, 6, 0, 0]);
  });

  it('returns the same spectrogram when the size already fits', () => {
    assert.equal(fitFrames(spec, 3), spec);
  });

  it('computes the frame count of max_duration_s', () => {
    assert.equal(framesForDuration(1.0, { sampleRate: 8000, windowMs: 25, hopMs: 10 }), 101);
    assert.equal(framesForDuration(2.0, { sampleRate: 16000, windowMs: 25, hopMs: 10 }), 201);
    assert.equal(framesForDuration(0.5, { sampleRate: 22050, windowMs: 46, hopMs: 12 }), 1 + Math.floor(11025 / 265));
    // consistent with the spectrogram of a clip of exactly that length
    const o: LogMelOptions = { sampleRate: 8000, nMels: 40, windowMs: 25, hopMs: 10 };
    assert.equal(logMelSpectrogram(new Float32Array(8000), o).frames, framesForDuration(1.0, o));
    assert.throws(() => framesForDuration(0, o), RangeError);
  });
});
