/**
 * Between the live model and optimiser and a checkpoint's arrays (./format.ts): copies taken at once (training
 * goes on changing the weights), and put back into a model built by the same config.
 */
import * as tf from '../../tf.js';
import type { NamedArray } from './format.js';

function copy(t: tf.Tensor, name: string): NamedArray {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const values = t.dataSync();
  return { name, shape: [...t.shape], dtype, data: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values) };
}

/** Every weight of the model (model.weights order), copied. */
export function captureWeights(model: tf.LayersModel): NamedArray[] {
  return model.weights.map((w) => copy(w.read(), w.name));
}

/** Sets the model's weights from a checkpoint's (same order and shapes, or an error naming the first difference). */
export function restoreWeights(model: tf.LayersModel, arrays: readonly NamedArray[]): void {
  const weights = model.weights;
  if (weights.length !== arrays.length)
    throw new Error(`the model has ${weights.length} weights, the checkpoint ${arrays.length}: it was made by another model`);
  weights.forEach((w, i) => {
    const a = arrays[i]!;
    if (w.shape.join() !== a.shape.join())
      throw new Error(`weight ${i} (${w.name}) has shape [${w.shape.join(', ')}], the checkpoint's [${a.shape.join(', ')}]`);
  });
  const tensors = arrays.map((a) => tf.tensor(a.data, a.shape, a.dtype));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The optimiser's state, copied, with each variable named by its weight's position in the model (`w3/m`). */
export async function captureOptimizer(optimizer: tf.Optimizer, model: tf.LayersModel): Promise<NamedArray[]> {
  const index = new Map(model.weights.map((w, i) => [w.name, i]));
  const saved = await optimizer.getWeights();
  return saved.map(({ name, tensor }) => {
    const cut = name.lastIndexOf('/');
    if (cut < 0) return copy(tensor, name);
    const at = index.get(name.slice(0, cut));
    if (at === undefined) throw new Error(`optimizer state for ${name}: no such weight in the model`);
    return copy(tensor, `w${at}${name.slice(cut)}`);
  });
}

/** Puts a checkpoint's optimiser state back, renamed to this model's variables. */
export async function restoreOptimizer(optimizer: tf.Optimizer, model: tf.LayersModel, arrays: readonly NamedArray[]): Promise<void> {
  const weights = model.weights;
  const named = arrays.map((a) => {
    const m = /^w(\d+)(\/.*)$/.exec(a.name);
    let name = a.name;
    if (m) {
      const w = weights[Number(m[1])];
      if (w === undefined) throw new Error(`optimizer state ${a.name}: the model has no weight ${m[1]}`);
      name = `${w.name}${m[2]}`;
    }
    return { name, tensor: tf.tensor(a.data, a.shape, a.dtype) };
  });
  try {
    await optimizer.setWeights(named);
  } finally {
    // the optimiser's variables hold their own references to the data
    tf.dispose(named.map((n) => n.tensor));
  }
}
