/**
 * The random state of a model's layers: mmx's dropout layers (MmxDropout, ModalityDropout) draw each training
 * call's mask from their seed and their call count, so the counts are all a checkpoint needs to make a resumed run
 * draw the masks the uninterrupted run would have drawn.
 */
import * as tf from '../../tf.js';
import { MmxDropout } from './dropout.js';
import { ModalityDropout } from './modality-dropout.js';

function randomLayers(model: tf.LayersModel): Array<MmxDropout | ModalityDropout> {
  const out: Array<MmxDropout | ModalityDropout> = [];
  const visit = (layers: readonly tf.layers.Layer[]): void => {
    for (const l of layers) {
      if (l instanceof tf.LayersModel) visit(l.layers);
      else if (l instanceof MmxDropout || l instanceof ModalityDropout) out.push(l);
    }
  };
  visit(model.layers);
  return out;
}

/** Per layer, by its position among the model's random layers: the training calls so far. */
export function randomLayerCalls(model: tf.LayersModel): number[] {
  return randomLayers(model).map((l) => l.calls);
}

/** Puts back what `randomLayerCalls` read (from a model built by the same config). */
export function setRandomLayerCalls(model: tf.LayersModel, calls: readonly number[]): void {
  const layers = randomLayers(model);
  if (layers.length !== calls.length)
    throw new Error(`the model has ${layers.length} random layers, the checkpoint ${calls.length}: it was made by another model`);
  layers.forEach((l, i) => (l.calls = calls[i]!));
}
