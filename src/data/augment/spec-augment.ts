/**
 * SpecAugment-style masking (Park et al. 2019) for training batches of frames × bins features (log-mel or
 * MFCC, already standardised): `time_masks` bands of up to `max_time_width` consecutive frames and `freq_masks`
 * bands of up to `max_freq_width` consecutive bins are set to 0 (the training mean after standardisation).
 * Widths are uniform in [0, max]; positions uniform.
 */
import type { BatchAugmenter } from '../modalities/modality.js';

export interface SpecAugmentation {
  time_masks: number;
  max_time_width: number;
  freq_masks: number;
  max_freq_width: number;
}

export function isSpecAugmentActive(a: SpecAugmentation): boolean {
  return (a.time_masks > 0 && a.max_time_width > 0) || (a.freq_masks > 0 && a.max_freq_width > 0);
}

export function specAugmenter(a: SpecAugmentation, shape: number[]): BatchAugmenter {
  const [frames = 1, bins = 1] = shape;
  const size = frames * bins;
  return (batch, n, random) => {
    for (let e = 0; e < n; e++) {
      const base = e * size;
      for (let m = 0; m < a.time_masks; m++) {
        const width = Math.floor(random() * (Math.min(a.max_time_width, frames) + 1));
        const start = Math.floor(random() * (frames - width + 1));
        batch.fill(0, base + start * bins, base + (start + width) * bins);
      }
      for (let m = 0; m < a.freq_masks; m++) {
        const width = Math.floor(random() * (Math.min(a.max_freq_width, bins) + 1));
        const start = Math.floor(random() * (bins - width + 1));
        if (width === 0) continue;
        for (let t = 0; t < frames; t++) batch.fill(0, base + t * bins + start, base + t * bins + start + width);
      }
    }
  };
}
