/**
 * Training-time augmentation, per batch: each input whose config asks for it (image `augmentation:`, audio
 * `augmentation:` = SpecAugment masking) gets a function that changes a gathered batch in place. The trainer
 * calls it on training batches only — never on validation, test or prediction — with one seeded generator, so a
 * run with the same seed sees the same augmented batches.
 */
import type { ExperimentConfig } from '../../experiment/schema.js';
import type { PreprocessingState } from '../dataset.js';
import { findModality } from '../modalities/index.js';
import type { BatchAugmenter } from '../modalities/modality.js';
import { rng } from '../../core/random.js';

/** `augmentBatch(inputName, batch, n)`: augments the `n` examples of a training batch of that input in place. */
export type AugmentBatch = (inputName: string, batch: Float32Array, n: number) => void;

/** The batch augmentation a config asks for, or undefined when no input is augmented. */
export function trainingAugmenter(
  config: ExperimentConfig,
  state: PreprocessingState,
  seed = config.seed,
  /** the generator to draw from (the trainer's, whose state a checkpoint keeps); default: one seeded from `seed` */
  random?: () => number,
): AugmentBatch | undefined {
  const byInput = new Map<string, BatchAugmenter>();
  for (const s of state.inputs) {
    const input = config.inputs[s.name];
    if (!input) continue;
    const a = findModality(s.modality).augmenter?.(input as unknown as Record<string, unknown>, s.shape);
    if (a) byInput.set(s.name, a);
  }
  if (byInput.size === 0) return undefined;
  const draw = random ?? rng(augmentSeed(seed));
  return (name, batch, n) => byInput.get(name)?.(batch, n, draw);
}

/** The augmentation generator's seed for an experiment seed. */
export function augmentSeed(seed: number): number {
  return (seed ^ 0x0a0b0c0d) >>> 0;
}
