/** Small helpers shared by mmx's custom tfjs layers (src/model/layers/*.ts). */
import * as tf from '../../tf.js';

/** The keyword arguments tfjs passes to `Layer.call` (`training` among them). */
export type Kwargs = Record<string, unknown>;

/** Constructor arguments every layer accepts (name, trainable, ...). */
export type BaseLayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/** A shape as tfjs layers use them: null for the batch (or any unknown) dimension. */
export type Shape = (number | null)[];

export function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!x) throw new Error('layer called without an input');
  return x;
}

/** The input tensors as a flat list (tfjs may hand a multi-input layer a nested list when a model is loaded). */
export function many(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  if (!Array.isArray(inputs)) return [inputs];
  const out: tf.Tensor[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else out.push(v as tf.Tensor);
  };
  walk(inputs);
  return out;
}

const isShape = (s: unknown): s is Shape => Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');

/** Input shapes of a multi-input layer as a flat list, however tfjs nests them (one shape for a single input). */
export function shapes(inputShape: Shape | Shape[]): Shape[] {
  if (isShape(inputShape)) return [inputShape];
  const out: Shape[] = [];
  const walk = (v: unknown): void => {
    if (isShape(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
  };
  walk(inputShape);
  return out;
}

export function lastDim(shape: Shape, what: string): number {
  const d = shape[shape.length - 1];
  if (typeof d !== 'number') throw new Error(`${what}: the last dimension must be known, got shape [${shape.join(', ')}]`);
  return d;
}

/** `training` as tfjs passes it (absent at inference). */
export const isTraining = (kwargs: Kwargs | undefined): boolean => kwargs?.['training'] === true;

/**
 * What `computeMask` returns for "no Keras mask". mmx's token layers carry the token mask as an explicit input, so
 * a Keras mask that reaches them (from the masked recurrent layers of a text encoder's sequence) ends there;
 * tfjs's own layers return null for this too, though the declared return type leaves null out.
 */
export const NO_KERAS_MASK = null as unknown as tf.Tensor;
