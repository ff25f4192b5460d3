import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/experiment/load.js';
import type { InputConfig } from '../../src/experiment/schema.js';
import { encoderRegistry } from '../../src/model/encoders/index.js';
import { findEncoder, isSequence, type EncoderOutput, type InputMeta } from '../../src/model/encoders/registry.js';
import { MaskedPooling } from '../../src/model/layers/masked-pooling.js';
import { LayerContext } from '../../src/model/layers-context.js';
import { tempDir } from '../helpers/tmp.js';

export const tmp = (): string => tempDir('mmx-enc-');

/** The test texts' vocabulary size, and a batch of 4 texts (token ids, max_length 6): two texts, an empty (all PAD) one, a full one. */
export const VOCAB = 12;
export const TOKENS = [
  [2, 3, 4, 0, 0, 0],
  [5, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [7, 8, 9, 10, 11, 2],
];

/** Batches of 4 examples: images h × w × c, spectrograms of 12 frames × 6 bands, the texts above. */
export const image =
  (h = 8, w = 8, c = 1) =>
  () =>
    tf.randomUniform([4, h, w, c], 0, 1, 'float32', 3);
export const spectrogram = () => tf.randomNormal([4, 12, 6], 0, 1, 'float32', 4);
export const tokens = () => tf.tensor2d(TOKENS);

/** One input entry (YAML flow map) resolved through the schema, defaults applied. */
export function resolvedInput(entry: string): InputConfig {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'x.yaml'),
    `name: e\ndata: {path: d.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  x: ${entry}\n`,
  );
  return loadConfig(path.join(dir, 'x.yaml'), { env: {} }).config.inputs.x!;
}

/**
 * input → encoder → softmax over `classes`: the smallest model around one encoder. `output` is what the encoder
 * returned; a sequence is mean-pooled over its real steps into `embedding` (as the builder does for pooled fusions).
 */
export function modelAround(
  input: InputConfig,
  shape: number[],
  meta: InputMeta = {},
  classes = 2,
  seed = 1,
): { model: tf.LayersModel; embedding: tf.SymbolicTensor; output: EncoderOutput } {
  const x = tf.input({ shape, name: 'x' });
  const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
  const output = encoder.build({
    input: x,
    featureShape: shape,
    options: input.encoder as never,
    ctx: new LayerContext('enc', seed),
    meta,
  });
  const embedding = isSequence(output)
    ? (new MaskedPooling({ name: 'pool' }).apply(output.mask ? [output.sequence, output.mask] : output.sequence) as tf.SymbolicTensor)
    : output;
  const out = tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'head' })
    .apply(embedding) as tf.SymbolicTensor;
  return { model: tf.model({ inputs: x, outputs: out }), embedding, output };
}
