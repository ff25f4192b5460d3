/**
 * The encoder registry: every encoder family registers itself by modality and `type` name. The config
 * schema for `inputs.<name>.encoder` is assembled from the registered fragments, and the model builder
 * looks encoders up here; adding an encoder is adding a file and listing it in `./index.ts`.
 */
import type * as tf from '../../tf.js';
import type { TObject } from '@sinclair/typebox';
import type { Resolved } from '../../config/schema-kit.js';
import type { LayerContext } from '../layers-context.js';
import type { SizeEstimate } from '../size/cost.js';

/**
 * What an encoder needs to know about its input beyond the feature shape, from the preprocessing fitted on the
 * training split (`PreparedData.meta[name]`) and from the encoder's own `prepare` step. Build-time only: the
 * serialisable part lives in the preprocessing state, large arrays and loaded models are never saved.
 */
export interface InputMeta {
  /** number of distinct ids the input holds, reserved ids included (text: PAD, OOV + vocabulary; categorical) */
  vocabSize?: number;
  /** the token of each id (text), for pretrained word vectors */
  vocabulary?: readonly string[];
  /** initial embedding matrix, vocabSize × dim row-major (pretrained word vectors) */
  embeddings?: { dim: number; values: Float32Array };
  /** a model loaded from disk (image `pretrained`) */
  pretrainedModel?: tf.LayersModel;
}

export interface EncoderBuildInput<O> {
  /** symbolic input holding one example's features, shape [batch, ...featureShape] */
  input: tf.SymbolicTensor;
  featureShape: number[];
  options: O;
  ctx: LayerContext;
  /** the input's build-time information (vocabulary size, pretrained weights, ...) */
  meta?: InputMeta;
}

export interface EncoderPrepareInput<O> {
  options: O;
  /** what the data preparation learned (vocabulary, ...) */
  meta: InputMeta;
  featureShape: number[];
  /** resolves a path written under `encoder:` (relative to the config file that wrote it) */
  resolvePath(keyPath: (string | number)[], value: string): string;
  /** a line for the run's log */
  log(message: string): void;
  seed: number;
}

/** What an encoder's size estimate knows before any data is prepared. */
export interface EncoderEstimateInput<O> {
  options: O;
  /** one example's feature shape (from the preprocessing options) */
  featureShape: number[];
  /** ids an id-reading encoder embeds (text, categorical): the vocabulary size, or an upper bound of it */
  vocabSize?: number;
}

/**
 * What an encoder with `output: sequence` hands the fusion: one vector per step (a text's tokens, an audio clip's
 * frames, an image's positions or patches) instead of one per example.
 */
export interface EncodedSequence {
  /** [batch, steps, dim] */
  sequence: tf.SymbolicTensor;
  /** [batch, steps], non-zero at real steps (a text passes its token ids: PAD is 0); absent: every step is real */
  mask?: tf.SymbolicTensor;
}

/** An encoder's output: the embedding [batch, dim] (`output: pooled`) or a sequence (`output: sequence`). */
export type EncoderOutput = tf.SymbolicTensor | EncodedSequence;

export const isSequence = (out: EncoderOutput): out is EncodedSequence => 'sequence' in out;

/** A problem with an encoder's options that the schema cannot see; `path` is relative to `inputs.<name>.encoder`. */
export interface EncoderIssue {
  path: string[];
  message: string;
  hint?: string;
}

export interface EncoderDefinition<S extends TObject = TObject> {
  /** the modality this encoder reads (`image`, `audio`, ...) */
  modality: string;
  /** the `type:` name in the config */
  type: string;
  /** schema of `encoder:` for this type (a Variant with its options) */
  schema: S;
  /**
   * Optional asynchronous step before `build`, run once by the data preparation: loads files the encoder needs
   * (pretrained vectors or models). What it returns is merged into the input's meta.
   */
  prepare?(args: EncoderPrepareInput<Resolved<S>>): Promise<Partial<InputMeta>>;
  /**
   * build the encoder's layers; returns the embedding [batch, outputDim], or with `output: sequence` (encoders whose
   * schema has that option) the sequence [batch, steps, outputDim] and its mask
   */
  build(args: EncoderBuildInput<Resolved<S>>): EncoderOutput;
  /**
   * The parameters and activations `build` creates, and the embedding size, without building anything (see
   * src/model/size/): undefined when they cannot be known before the data is prepared (a model file not yet read).
   * With `output: sequence`, also the steps it emits (`steps`), and its attention layers' scores (validation's
   * attention-size check reads both, before any data is read).
   */
  estimate(args: EncoderEstimateInput<Resolved<S>>): SizeEstimate | undefined;
  /** checks of the options against the input's feature shape (e.g. a patch size that divides the image) */
  check?(options: Resolved<S>, featureShape: number[]): EncoderIssue[];
}

/** Identity helper that keeps the option types of one encoder definition. */
export function defineEncoder<S extends TObject>(def: EncoderDefinition<S>): EncoderDefinition<S> {
  return def;
}

export class UnknownEncoderError extends Error {}

/** An encoder that cannot be built from what it was given (e.g. no vocabulary size in its meta). */
export class EncoderBuildError extends Error {
  override readonly name = 'EncoderBuildError';
}

export function findEncoder(registry: readonly EncoderDefinition[], modality: string, type: string): EncoderDefinition {
  const found = registry.find((e) => e.modality === modality && e.type === type);
  if (!found) {
    const known = registry.filter((e) => e.modality === modality).map((e) => e.type);
    throw new UnknownEncoderError(`no ${modality} encoder named '${type}' (known: ${known.join(', ')})`);
  }
  return found;
}

/** The vocabulary size an id-reading encoder needs, or a clear error when the model builder did not pass it. */
export function requireVocabSize(meta: InputMeta | undefined, what: string): number {
  const n = meta?.vocabSize;
  if (n === undefined || !(n >= 1)) {
    throw new EncoderBuildError(
      `${what} needs the input's vocabulary size (meta.vocabSize from the preprocessing state); the model builder must pass the input's meta to encoder.build`,
    );
  }
  return n;
}
