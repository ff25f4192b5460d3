/**
 * Feature normalisation: statistics fitted on the training split's encoded features (one pass, row by row,
 * missing rows excluded), applied in place after encoding — to training, evaluation and prediction alike.
 */
import type { FeatureLoader } from './modalities/modality.js';
import type { Normalization } from './preprocessing-state.js';

/** Encoded features of a row (undefined: none, e.g. `missing: zeros`); may reuse one buffer between calls. */
export type RowFeatures = (row: number) => Float32Array | undefined;

/** Normalisation statistics over the (encoded) training rows, missing rows excluded — in one pass, row by row. */
export function fitNormalization(
  kind: FeatureLoader['normalization'],
  encoded: RowFeatures,
  rows: readonly number[],
  shape: number[],
): Normalization {
  if (kind === 'none') return { kind: 'none' };
  const channels = kind === 'standardize_channels' ? (shape[shape.length - 1] ?? 1) : 1;
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  let n = 0;
  for (const i of rows) {
    const x = encoded(i);
    if (!x) continue;
    // per channel, values in the order they come (the sums do not depend on the loop shape)
    for (let base = 0; base < x.length; base += channels) {
      for (let c = 0; c < channels; c++) {
        const v = x[base + c]!;
        sum[c]! += v;
        sq[c]! += v * v;
      }
    }
    n += x.length / channels;
  }
  const mean = Array.from(sum, (s) => (n ? s / n : 0));
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(n ? s / n - mean[c]! * mean[c]! : 0, 0)) || 1);
  return kind === 'standardize' ? { kind, mean: mean[0]!, std: std[0]! } : { kind, mean, std };
}

export function normalizeInPlace(x: Float32Array, norm: Normalization): void {
  if (norm.kind === 'standardize') {
    for (let j = 0; j < x.length; j++) x[j] = (x[j]! - norm.mean) / norm.std;
  } else if (norm.kind === 'standardize_channels') {
    const c = norm.mean.length;
    for (let base = 0; base < x.length; base += c) {
      for (let k = 0; k < c; k++) x[base + k] = (x[base + k]! - norm.mean[k]!) / norm.std[k]!;
    }
  }
}
