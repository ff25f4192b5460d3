/** Gathers examples into batch tensors from the per-input feature arrays. */
import * as tf from '@tensorflow/tfjs';
import type { SplitData } from '../data/dataset.js';
import type { ModelInput } from '../model/build.js';

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Input tensors for examples `order[start..end)` of a split, in the model's input order. */
/** Changes a training batch in place (augmentation); called with the input's name and the batch size. */
export type BatchAugment = (inputName: string, batch: Float32Array, n: number) => void;

export function gatherInputs(split: SplitData, inputs: ModelInput[], order: ArrayLike<number>, start: number, end: number, augment?: BatchAugment): tf.Tensor[] {
  const n = end - start;
  return inputs.map((input) => {
    const size = sizeOf(input.shape);
    const src = split.features[input.name]!;
    const buf = new Float32Array(n * size);
    for (let k = 0; k < n; k++) {
      const i = order[start + k]!;
      buf.set(src.subarray(i * size, (i + 1) * size), k * size);
    }
    augment?.(input.name, buf, n);
    return tf.tensor(buf, [n, ...input.shape], 'float32');
  });
}

/** One-hot label tensor for examples `order[start..end)`. */
export function gatherLabels(split: SplitData, order: ArrayLike<number>, start: number, end: number, numClasses: number): tf.Tensor {
  const n = end - start;
  const buf = new Float32Array(n * numClasses);
  for (let k = 0; k < n; k++) buf[k * numClasses + split.labels[order[start + k]!]!] = 1;
  return tf.tensor2d(buf, [n, numClasses]);
}

/**
 * The training targets of examples `order[start..end)` [n, width]: one-hot (classification), 0/1 (binary),
 * multi-hot (multilabel), standardised value (regression) — `split.targets` rows.
 */
export function gatherTargets(split: SplitData, order: ArrayLike<number>, start: number, end: number, numClasses = 1): tf.Tensor {
  // a split made without targets (class indices only): one-hot classification targets
  if (!(split as Partial<SplitData>).targets) return gatherLabels(split, order, start, end, numClasses);
  const n = end - start;
  const width = split.labels.length ? split.targets.length / split.labels.length : 1;
  const buf = new Float32Array(n * width);
  for (let k = 0; k < n; k++) {
    const i = order[start + k]!;
    buf.set(split.targets.subarray(i * width, (i + 1) * width), k * width);
  }
  return tf.tensor2d(buf, [n, width]);
}

/** 0..n-1 */
export const identityOrder = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
