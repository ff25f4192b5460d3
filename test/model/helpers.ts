/** Tiny configs for the model tests: two or three small inputs, any fusion. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/experiment/load.js';
import type { ModelInput } from '../../src/model/build.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Inputs and their encoders (embedding sizes E):
 *   pic  image 8x8x1, conv 3x3 1→4 (36+4), pool → 4x4x4 = 64, dense 8 (512+8):   E = 8, 560 params
 *   snd  audio [10, 5], conv1d k3 5→3 (45+3), pool → 5x3 = 15, dense 6 (90+6):   E = 6, 144 params
 *   pic2 image 8x8x1, conv 3x3 1→4 (36+4), pool → 64, dense 4 (256+4):            E = 4, 300 params
 */
export const ENCODER_PARAMS = { pic: 560, snd: 144, pic2: 300 };

export function tinyConfig(fusion: string, modalities: 1 | 2 | 3 = 2, overrides: string[] = []) {
  const dir = tempDir('mmx-fusion-');
  const file = path.join(dir, 'x.yaml');
  const inputs = [
    '  pic: {type: image, column: a, preprocessing: {height: 8, width: 8, channels: 1}, encoder: {type: cnn, filters: [4], kernel_size: 3, output_dim: 8}}',
    '  snd: {type: audio, column: b, encoder: {type: cnn1d, filters: [3], kernel_size: 3, output_dim: 6}}',
    '  pic2: {type: image, column: c, preprocessing: {height: 8, width: 8, channels: 1}, encoder: {type: cnn, filters: [4], kernel_size: 3, output_dim: 4}}',
  ].slice(0, modalities);
  writeFileSync(
    file,
    `name: fusion-test
seed: 5
data: {path: d.csv, split: {column: split}}
target: {column: label}
inputs:
${inputs.join('\n')}
fusion: ${fusion}
`,
  );
  return loadConfig(file, { env: {}, overrides }).config;
}

export function tinyInputs(modalities: 1 | 2 | 3 = 2): ModelInput[] {
  return [
    { name: 'pic', modality: 'image', shape: [8, 8, 1] },
    { name: 'snd', modality: 'audio', shape: [10, 5] },
    { name: 'pic2', modality: 'image', shape: [8, 8, 1] },
  ].slice(0, modalities);
}

/** A fixed batch of `n` examples for the first `modalities` inputs, and one-hot labels over 3 classes. */
export function tinyBatch(modalities: 1 | 2 | 3 = 2, n = 12): { xs: tf.Tensor[]; ys: tf.Tensor } {
  const all = [
    tf.randomUniform([n, 8, 8, 1], 0, 1, 'float32', 1),
    tf.randomNormal([n, 10, 5], 0, 1, 'float32', 2),
    tf.randomUniform([n, 8, 8, 1], 0, 1, 'float32', 3),
  ];
  tf.dispose(all.slice(modalities));
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  return { xs: all.slice(0, modalities), ys };
}

/** Parameters of the fusion and head layers (everything after the encoders and the modality gates). */
export function fusionParams(model: tf.LayersModel): number {
  return model.layers
    .filter((l) => l.name.startsWith('mmx_fusion_') || l.name.startsWith('mmx_head_'))
    .reduce((n, l) => n + l.countParams(), 0);
}

/** Parameters of the modality gates (learned missing embeddings). */
export function gateParams(model: tf.LayersModel): number {
  return model.layers.filter((l) => l.name.includes('_modality_gate')).reduce((n, l) => n + l.countParams(), 0);
}
