import FFT from 'fft.js';
import { melFilterbank, type MelFilterbank } from './mel-filterbank.js';

/**
 * Log-mel spectrogram, librosa-compatible in its conventions:
 * `log(librosa.feature.melspectrogram(y, sr, n_fft, hop_length, win_length, window='hann', center=True,
 * pad_mode='constant', power=2.0, n_mels, fmin, fmax) + LOG_MEL_EPS)` (natural log).
 *
 * - Frames are centred: frame t is centred on sample t·hop, the signal is zero-padded by nFft/2 on both
 *   sides, so a signal of n samples gives 1 + floor(n / hop) frames (see {@link frameCount}).
 * - Window: periodic Hann of `windowMs` (rounded to whole samples), centred in an nFft-point frame.
 * - Power spectrum |X|² (not normalised by nFft or the window), then the Slaney mel filterbank
 *   (see mel-filterbank.ts), then natural log of (mel energy + 1e-6). Digital silence therefore maps to
 *   exactly LOG_MEL_FLOOR = ln(1e-6) ≈ -13.8155, the value used to pad short clips.
 */

/** Added before the log; keeps silence finite. */
export const LOG_MEL_EPS = 1e-6;
/** The log-mel value of silence (and of padding frames): ln(LOG_MEL_EPS). */
export const LOG_MEL_FLOOR = Math.log(LOG_MEL_EPS);

export interface LogMelOptions {
  sampleRate: number;
  nMels: number;
  /** analysis window length in milliseconds (e.g. 25) */
  windowMs: number;
  /** hop between frames in milliseconds (e.g. 10) */
  hopMs: number;
  /** FFT size, a power of two ≥ the window length; default: the smallest such */
  nFft?: number;
  /** default 0 Hz */
  fMin?: number;
  /** default sampleRate / 2 */
  fMax?: number;
}

/** A spectrogram-like matrix: frames x nMels, row-major (frame-major). */
export interface Spectrogram {
  frames: number;
  nMels: number;
  data: Float32Array;
}

/** STFT sizes in samples derived from millisecond options. */
export interface StftParams {
  win: number;
  hop: number;
  nFft: number;
}

/**
 * Window, hop and FFT sizes in samples: win = round(windowMs·sr/1000), hop = round(hopMs·sr/1000),
 * nFft = the given one, else the smallest power of two ≥ win.
 * @throws RangeError when the options give an empty window or hop, or an nFft that is not a power of two ≥ win.
 */
export function stftParams(o: Pick<LogMelOptions, 'sampleRate' | 'windowMs' | 'hopMs' | 'nFft'>): StftParams {
  if (!(o.sampleRate > 0)) throw new RangeError(`sample_rate must be positive, got ${o.sampleRate}`);
  const win = Math.round((o.windowMs * o.sampleRate) / 1000);
  const hop = Math.round((o.hopMs * o.sampleRate) / 1000);
  if (!(win >= 2)) throw new RangeError(`window of ${o.windowMs} ms is under 2 samples at ${o.sampleRate} Hz`);
  if (!(hop >= 1)) throw new RangeError(`hop of ${o.hopMs} ms is under 1 sample at ${o.sampleRate} Hz`);
  const nFft = o.nFft ?? nextPowerOfTwo(win);
  if (!(Number.isInteger(nFft) && nFft >= 4 && (nFft & (nFft - 1)) === 0 && nFft >= win)) {
    throw new RangeError(`n_fft must be a power of two ≥ 4 and ≥ the window (${win} samples), got ${nFft}`);
  }
  return { win, hop, nFft };
}

/** Number of centred frames for a signal of `numSamples` samples: 1 + floor(numSamples / hop). */
export function frameCount(numSamples: number, hop: number): number {
  return 1 + Math.floor(Math.max(0, numSamples) / hop);
}

/**
 * Number of frames for a clip of `durationS` seconds (e.g. `max_duration_s`):
 * frameCount(round(durationS · sampleRate), hop). 1.0 s at 8 kHz with a 10 ms hop → 101 frames.
 */
export function framesForDuration(durationS: number, o: Pick<LogMelOptions, 'sampleRate' | 'windowMs' | 'hopMs' | 'nFft'>): number {
  if (!(durationS > 0 && Number.isFinite(durationS))) throw new RangeError(`duration must be positive, got ${durationS}`);
  return frameCount(Math.round(durationS * o.sampleRate), stftParams(o).hop);
}

/**
 * Log-mel spectrogram of a mono signal (see the module comment for the exact definition).
 * @returns frames x nMels values, row-major, frames = 1 + floor(x.length / hop)
 */
export function logMelSpectrogram(x: Float32Array, o: LogMelOptions): Spectrogram {
  const plan = getPlan(o);
  const { win, hop, nFft } = plan.params;
  const frames = frameCount(x.length, hop);
  const { nMels, nBins } = plan.fb;
  const data = new Float32Array(frames * nMels);
  const frame = new Float64Array(nFft);
  const spectrum = new Float64Array(2 * nFft);
  const power = new Float64Array(nBins);
  const lpad = Math.floor((nFft - win) / 2); // window offset inside the nFft frame
  const half = Math.floor(nFft / 2);

  for (let t = 0; t < frames; t++) {
    const start = t * hop - half + lpad; // signal index under window sample 0
    for (let i = 0; i < win; i++) {
      const s = start + i;
      frame[lpad + i] = s >= 0 && s < x.length ? x[s]! * plan.window[i]! : 0;
    }
    plan.fft.realTransform(spectrum, frame);
    for (let k = 0; k < nBins; k++) {
      const re = spectrum[2 * k]!;
      const im = spectrum[2 * k + 1]!;
      power[k] = re * re + im * im;
    }
    const row = t * nMels;
    for (let m = 0; m < nMels; m++) {
      const { from, weights } = plan.filters[m]!;
      let e = 0;
      for (let j = 0; j < weights.length; j++) e += weights[j]! * power[from + j]!;
      data[row + m] = Math.log(e + LOG_MEL_EPS);
    }
  }
  return { frames, nMels, data };
}

/**
 * Cut or pad a spectrogram to exactly `frames` frames: extra frames at the end are dropped, missing
 * ones are appended filled with `padValue` (default LOG_MEL_FLOOR, the value of silence).
 * Returns the input itself when it already has that many frames.
 */
export function fitFrames(spec: Spectrogram, frames: number, padValue = LOG_MEL_FLOOR): Spectrogram {
  if (spec.frames === frames) return spec;
  const data = new Float32Array(frames * spec.nMels);
  const keep = Math.min(frames, spec.frames) * spec.nMels;
  data.set(spec.data.subarray(0, keep));
  data.fill(padValue, keep);
  return { frames, nMels: spec.nMels, data };
}

interface Plan {
  params: StftParams;
  window: Float64Array;
  fft: FFT;
  fb: MelFilterbank;
  /** the non-zero span of each filter row */
  filters: { from: number; weights: Float64Array }[];
}

const plans = new Map<string, Plan>();

/** Window, FFT and filterbank for one option set, built once and cached (a few per process). */
function getPlan(o: LogMelOptions): Plan {
  const params = stftParams(o);
  const key = [o.sampleRate, o.nMels, params.win, params.nFft, o.fMin ?? 0, o.fMax ?? o.sampleRate / 2].join('|');
  let plan = plans.get(key);
  if (plan === undefined) {
    const fb = melFilterbank({ sampleRate: o.sampleRate, nFft: params.nFft, nMels: o.nMels, fMin: o.fMin, fMax: o.fMax });
    const window = new Float64Array(params.win);
    for (let i = 0; i < params.win; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / params.win);
    const filters = [];
    for (let m = 0; m < fb.nMels; m++) {
      const row = fb.weights.subarray(m * fb.nBins, (m + 1) * fb.nBins);
      let from = row.findIndex((w) => w !== 0);
      if (from < 0) from = 0;
      let to = row.length;
      while (to > from && row[to - 1] === 0) to--;
      filters.push({ from, weights: Float64Array.from(row.subarray(from, to)) });
    }
    plan = { params, window, fft: new FFT(params.nFft), fb, filters };
    if (plans.size > 32) plans.clear();
    plans.set(key, plan);
  }
  // hop is not part of the cached state: callers may vary it freely.
  return { ...plan, params };
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
