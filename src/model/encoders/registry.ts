/**
 * The encoder registry: every encoder family registers itself by modality and `type` name. The config
 * schema for `inputs.<name>.encoder` is assembled from the registered fragments, and the model builder
 * looks encoders up here; adding an encoder is adding a file and listing it in `./index.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TObject } from '@sinclair/typebox';
import type { Resolved } from '../../config/schema-kit.js';
import type { LayerContext } from '../layers-context.js';

export interface EncoderBuildInput<O> {
  /** symbolic input holding one example's features, shape [batch, ...featureShape] */
  input: tf.SymbolicTensor;
  featureShape: number[];
  options: O;
  ctx: LayerContext;
}

export interface EncoderDefinition<S extends TObject = TObject> {
  /** the modality this encoder reads (`image`, `audio`, ...) */
  modality: string;
  /** the `type:` name in the config */
  type: string;
  /** schema of `encoder:` for this type (a Variant with its options) */
  schema: S;
  /** build the encoder's layers; returns the embedding, shape [batch, outputDim] */
  build(args: EncoderBuildInput<Resolved<S>>): tf.SymbolicTensor;
}

/** Identity helper that keeps the option types of one encoder definition. */
export function defineEncoder<S extends TObject>(def: EncoderDefinition<S>): EncoderDefinition<S> {
  return def;
}

export class UnknownEncoderError extends Error {}

export function findEncoder(registry: readonly EncoderDefinition[], modality: string, type: string): EncoderDefinition {
  const found = registry.find((e) => e.modality === modality && e.type === type);
  if (!found) {
    const known = registry.filter((e) => e.modality === modality).map((e) => e.type);
    throw new UnknownEncoderError(`no ${modality} encoder named '${type}' (known: ${known.join(', ')})`);
  }
  return found;
}
