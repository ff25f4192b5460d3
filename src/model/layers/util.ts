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

export function many(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** Input shapes of a multi-input layer (tfjs hands a single-input layer one shape, a multi-input one a list). */
export function shapes(inputShape: Shape | Shape[]): Shape[] {
  return Array.isArray(inputShape[0]) || inputShape.length === 0 ? (inputShape as Shape[]) : [inputShape as Shape];
}

export function lastDim(shape: Shape, what: string): number {
  const d = shape[shape.length - 1];
  if (typeof d !== 'number') throw new Error(`${what}: the last dimension must be known, got shape [${shape.join(', ')}]`);
  return d;
}

/** `training` as tfjs passes it (absent at inference). */
export const isTraining = (kwargs: Kwargs | undefined): boolean => kwargs?.['training'] === true;
