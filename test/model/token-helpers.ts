/** The token fusions' tests' model (token-fusions.test.ts, token-fusions.unit.test.ts): three inputs, every encoder with output: sequence, and a batch for it. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/experiment/load.js';
import type { ModelInput } from '../../src/model/build.js';
import { tempDir } from '../helpers/tmp.js';

export const VOCAB = 12;
/** a text per example: real tokens, padding, an empty text, a full one */
export const WORDS = [
  [2, 3, 4, 0, 0, 0],
  [5, 1, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [7, 8, 9, 10, 11, 2],
];

/**
 * Three inputs, every encoder with output: sequence:
 *   words  text [6], transformer encoder → 6 tokens of 8, PAD masked
 *   pic    image 8×8×1, patch encoder (4×4 patches) → 4 tokens of 8
 *   snd    audio [12, 5], cnn1d (pool 2) → 6 frames of 8
 */
export const INPUT_LINES: Record<string, string> = {
  words:
    '{type: text, column: t, preprocessing: {max_length: 6}, encoder: {type: transformer, embedding_dim: 8, heads: 2, layers: 1, ff_dim: 8, output_dim: 8, attention_dropout: 0, output: sequence}}',
  pic: '{type: image, column: p, preprocessing: {height: 8, width: 8, channels: 1}, encoder: {type: patch, patch_size: 4, dim: 8, heads: 2, layers: 1, output_dim: 8, output: sequence}}',
  snd: '{type: audio, column: s, encoder: {type: cnn1d, filters: [4], kernel_size: 3, output_dim: 8, output: sequence}}',
};

/** The config with `fusion` over the inputs `names` (all three unless told). */
export function tokenConfig(fusion: string, extra: string[] = [], names: string[] = Object.keys(INPUT_LINES)) {
  const dir = tempDir('mmx-tokens-');
  writeFileSync(
    path.join(dir, 'x.yaml'),
    `name: tokens
seed: 9
data: {path: d.csv, split: {column: split}}
target: {column: label}
inputs:
${names.map((n) => `  ${n}: ${INPUT_LINES[n]}`).join('\n')}
fusion: ${fusion}
`,
  );
  return loadConfig(path.join(dir, 'x.yaml'), { env: {}, overrides: extra }).config;
}

export const INPUTS: ModelInput[] = [
  { name: 'words', modality: 'text', shape: [6], meta: { vocabSize: VOCAB } },
  { name: 'pic', modality: 'image', shape: [8, 8, 1] },
  { name: 'snd', modality: 'audio', shape: [12, 5] },
];

export function batch(seed = 1): tf.Tensor[] {
  return [
    tf.tensor2d(WORDS),
    tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', seed),
    tf.randomNormal([4, 12, 5], 0, 1, 'float32', seed + 1),
  ];
}

export const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
