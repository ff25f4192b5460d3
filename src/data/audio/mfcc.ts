/**
 * MFCCs from a log-mel spectrogram: a DCT-II with orthonormal scaling along the mel axis, keeping the first
 * `nMfcc` coefficients — `librosa.feature.mfcc(S=log_mel, n_mfcc, dct_type=2, norm='ortho')`, i.e.
 * `scipy.fft.dct(log_mel, type=2, norm='ortho', axis=mel)[:n_mfcc]`, where log_mel is mmx's natural-log mel
 * spectrogram (mel.ts):
 *
 *   c[k] = s(k) · Σ_{n<N} x[n] · cos(π k (2n + 1) / (2N)),   s(0) = √(1/N), s(k>0) = √(2/N)
 */

const cache = new Map<string, Float64Array>();

/** The nMfcc × nMels DCT-II (ortho) matrix, row-major. */
export function dctMatrix(nMfcc: number, nMels: number): Float64Array {
  const key = `${nMfcc}x${nMels}`;
  let m = cache.get(key);
  if (!m) {
    m = new Float64Array(nMfcc * nMels);
    for (let k = 0; k < nMfcc; k++) {
      const s = k === 0 ? Math.sqrt(1 / nMels) : Math.sqrt(2 / nMels);
      for (let n = 0; n < nMels; n++) m[k * nMels + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nMels));
    }
    cache.set(key, m);
  }
  return m;
}

/** MFCCs of a frames × nMels log-mel matrix (row-major): frames × nMfcc, row-major. */
export function mfccFromLogMel(logMel: Float32Array, frames: number, nMels: number, nMfcc: number): Float32Array {
  if (nMfcc > nMels) throw new RangeError(`n_mfcc (${nMfcc}) cannot exceed n_mels (${nMels})`);
  const d = dctMatrix(nMfcc, nMels);
  const out = new Float32Array(frames * nMfcc);
  for (let t = 0; t < frames; t++) {
    const row = t * nMels;
    for (let k = 0; k < nMfcc; k++) {
      let s = 0;
      const dk = k * nMels;
      for (let n = 0; n < nMels; n++) s += d[dk + n]! * logMel[row + n]!;
      out[t * nMfcc + k] = s;
    }
  }
  return out;
}
