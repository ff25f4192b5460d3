/**
 * Which weights of the stepped model travel between threads each step, and where they sit in a flat float32
 * buffer. Indices are positions in `model.weights`, which a model rebuilt from `model.toJSON()` lists in the
 * same order — both sides compute the layout and the main thread checks that they agree.
 *
 *  - trainable: the variables trainOnBatch differentiates (their gradients go to the main thread, their new
 *    values come back)
 *  - stateful: non-trainable weights a training step changes, i.e. BatchNormalization's moving mean and
 *    variance. Each thread updates them from its own shard's batch statistics (like PyTorch DDP without
 *    SyncBatchNorm); the main thread then takes the shard-size-weighted mean of the threads' new values, which
 *    for the moving mean is exactly the update a whole-batch step makes, and for the moving variance averages
 *    the shards' variances (it leaves out the spread between shard means).
 *  - everything else (frozen layers) is sent once, when the workers start.
 */
import * as tf from '../../tf.js';
import { trainableVariables } from './shard.js';

export interface WeightLayout {
  /** `model.weights` index of each trainable weight, in trainable (gradient) order */
  trainable: number[];
  /** `model.weights` index of each stateful non-trainable weight */
  stateful: number[];
  /** shape per `model.weights` entry */
  shapes: number[][];
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Every layer, nested models' layers included. */
function flatLayers(layers: tf.layers.Layer[], out: tf.layers.Layer[] = []): tf.layers.Layer[] {
  for (const layer of layers) {
    out.push(layer);
    const inner = (layer as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(inner)) flatLayers(inner, out);
  }
  return out;
}

export function allLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return flatLayers(model.layers);
}

export function weightLayout(model: tf.LayersModel): WeightLayout {
  const weights = model.weights;
  const position = new Map(weights.map((w, i) => [w, i]));
  const at = (w: tf.LayerVariable): number => {
    const i = position.get(w);
    if (i === undefined) throw new Error(`weight ${w.name} is not among the model's weights`);
    return i;
  };
  const trainable = trainableVariables(model).map(at);
  const stateful = new Set<number>();
  for (const layer of allLayers(model)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    for (const w of layer.nonTrainableWeights) stateful.add(at(w));
  }
  return { trainable, stateful: [...stateful].sort((a, b) => a - b), shapes: weights.map((w) => w.shape.map((d) => d ?? 1)) };
}

/** Offsets of a list of weights packed one after another; the last entry is the total length. */
export function offsets(layout: WeightLayout, indices: number[]): number[] {
  const out = [0];
  for (const i of indices) out.push(out[out.length - 1]! + sizeOf(layout.shapes[i]!));
  return out;
}

/** Weights whose values the main thread sends after every step: trainable, then stateful. */
export const syncedWeights = (layout: WeightLayout): number[] => [...layout.trainable, ...layout.stateful];

/** Whether two layouts (main thread's, worker's) describe the same weights. */
export function sameLayout(a: WeightLayout, b: WeightLayout): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Copies the values of `model.weights[indices]` into `dst` (packed, from offset 0). */
export function packWeights(model: tf.LayersModel, indices: number[], dst: Float32Array): void {
  const weights = model.weights;
  let at = 0;
  for (const i of indices) {
    const values = weights[i]!.read().dataSync() as Float32Array;
    dst.set(values, at);
    at += values.length;
  }
}

/** Writes packed values from `src` into `model.weights[indices]` (the variables keep their identity). */
export function unpackWeights(model: tf.LayersModel, layout: WeightLayout, indices: number[], src: Float32Array): void {
  const weights = model.weights;
  let at = 0;
  for (const i of indices) {
    const shape = layout.shapes[i]!;
    const n = sizeOf(shape);
    // a copy: the cpu backend keeps the array it is given, and `src` may be shared memory that changes later
    const t = tf.tensor(src.slice(at, at + n), shape, 'float32');
    weights[i]!.write(t);
    t.dispose();
    at += n;
  }
}
