/**
 * The mel scale and triangular mel filterbank, as librosa's defaults (`htk=False`, `norm='slaney'`):
 * the Slaney / Auditory Toolbox scale — linear below 1 kHz (3 mels per 200 Hz), logarithmic above —
 * and each triangle scaled by 2 / (upper edge − lower edge) so that every filter has unit area in Hz
 * (constant energy per filter, whatever its width).
 */

const F_SP = 200 / 3; // Hz per mel in the linear part
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOG_STEP = Math.log(6.4) / 27;

/** Hz → mel (Slaney scale). */
export function hzToMel(hz: number): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

/** mel → Hz (Slaney scale); inverse of {@link hzToMel}. */
export function melToHz(mel: number): number {
  return mel < MIN_LOG_MEL ? mel * F_SP : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

/** `n` frequencies (Hz) evenly spaced on the mel scale from fMin to fMax inclusive. */
export function melFrequencies(n: number, fMin: number, fMax: number): Float64Array {
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = melToHz(n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1));
  return out;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  /** FFT size; the filterbank covers its nFft/2 + 1 non-negative frequency bins */
  nFft: number;
  nMels: number;
  /** lowest edge in Hz (default 0) */
  fMin?: number;
  /** highest edge in Hz (default sampleRate / 2) */
  fMax?: number;
}

export interface MelFilterbank {
  nMels: number;
  /** nFft / 2 + 1 */
  nBins: number;
  /** nMels x nBins, row-major: weights[m * nBins + k] is filter m's weight on FFT bin k */
  weights: Float32Array;
  /** centre frequency (Hz) of each filter — the apex of its triangle */
  centers: Float64Array;
}

/**
 * Build the mel filterbank matrix (nMels x (nFft/2 + 1)), identical to
 * `librosa.filters.mel(sr=sampleRate, n_fft=nFft, n_mels=nMels, fmin, fmax)` (Slaney scale and norm).
 * Filter m rises from centres[m-1] to centres[m] and falls to centres[m+1], with the nMels + 2 edge
 * frequencies evenly spaced in mel between fMin and fMax.
 *
 * Note: when filters are narrower than the FFT bin spacing (many mels, small nFft, low sample rate) some
 * low filters can cover no bin and stay all zero, as in librosa; use {@link emptyMelFilters} to check.
 */
export function melFilterbank(o: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, nFft, nMels } = o;
  const fMin = o.fMin ?? 0;
  const fMax = o.fMax ?? sampleRate / 2;
  if (!(Number.isInteger(nMels) && nMels >= 1)) throw new RangeError(`n_mels must be a positive integer, got ${nMels}`);
  if (!(Number.isInteger(nFft) && nFft >= 2)) throw new RangeError(`n_fft must be an integer ≥ 2, got ${nFft}`);
  if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2)) {
    throw new RangeError(`mel range must satisfy 0 ≤ f_min < f_max ≤ sample_rate/2 (${sampleRate / 2}), got ${fMin}..${fMax}`);
  }
  const nBins = Math.floor(nFft / 2) + 1;
  const edges = melFrequencies(nMels + 2, fMin, fMax);
  const weights = new Float32Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m]!;
    const mid = edges[m + 1]!;
    const hi = edges[m + 2]!;
    const norm = 2 / (hi - lo);
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const rising = (f - lo) / (mid - lo);
      const falling = (hi - f) / (hi - mid);
      const w = Math.min(rising, falling);
      if (w > 0) weights[m * nBins + k] = w * norm;
    }
  }
  return { nMels, nBins, weights, centers: edges.slice(1, nMels + 1) };
}

/** Indices of filters that cover no FFT bin (all-zero rows): a sign that nMels is too large for nFft. */
export function emptyMelFilters(fb: MelFilterbank): number[] {
  const empty: number[] = [];
  for (let m = 0; m < fb.nMels; m++) {
    const row = fb.weights.subarray(m * fb.nBins, (m + 1) * fb.nBins);
    if (!row.some((w) => w > 0)) empty.push(m);
  }
  return empty;
}
