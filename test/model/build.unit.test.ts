import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { loadConfig } from '../../src/experiment/load.js';
import { buildModel, createOptimizer } from '../../src/model/build.js';
import { tempDir } from '../helpers/tmp.js';

function config(extra: string[] = []) {
  const dir = tempDir('mmx-model-');
  const file = path.join(dir, 'x.yaml');
  writeFileSync(
    file,
    `name: m
seed: 3
data: {path: d.csv, split: {column: split}}
target: {column: label}
inputs:
  pic:
    type: image
    column: a
    preprocessing: {height: 8, width: 8, channels: 1}
    encoder: {type: cnn, filters: [4], kernel_size: 3, output_dim: 8}
  snd:
    type: audio
    column: b
    encoder: {type: cnn1d, filters: [3], kernel_size: 3, output_dim: 8}
fusion: {type: concat, hidden: [6]}
`,
  );
  return loadConfig(file, { env: {}, overrides: extra }).config;
}

const INPUTS = [
  { name: 'pic', modality: 'image', shape: [8, 8, 1] },
  { name: 'snd', modality: 'audio', shape: [10, 5] },
];

describe('model builder', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('builds encoders, concat fusion and head with hand-computed parameter counts', () => {
    const { model, embeddingDims } = buildModel(config(), INPUTS, 3);
    // image: conv 3x3x1→4 (36+4) → pool 4x4x4 → flatten 64 → dense 8 (512+8)
    // audio: conv1d k3 5→3 (45+3) → pool 5x3 → flatten 15 → dense 8 (120+8)
    // fusion: concat 16 → dense 6 (96+6); head: dense 3 (18+3)
    assert.equal(model.countParams(), 40 + 520 + 48 + 128 + 102 + 21);
    assert.deepEqual(embeddingDims, { pic: 8, snd: 8 });
    assert.deepEqual(model.outputs[0]!.shape, [null, 3]);
    assert.deepEqual(
      model.inputs.map((i) => i.shape),
      [
        [null, 8, 8, 1],
        [null, 10, 5],
      ],
    );
    tf.disposeVariables();
  });

  it('global pooling and batch norm change the layer stack as configured', () => {
    const { model } = buildModel(
      config(['inputs.pic.encoder.global_pool=avg', 'inputs.pic.encoder.batch_norm=true', 'fusion.hidden=[]']),
      INPUTS,
      3,
    );
    const names = model.layers.map((l) => l.getClassName());
    assert.ok(names.includes('BatchNormalization'));
    assert.ok(names.includes('GlobalAveragePooling2D'));
    // image: conv without bias 36, BN 4x4 (16), GAP → 4 → dense 8 (32+8); audio as before 48+128;
    // no hidden layer: head reads the 16-wide concat directly (48+3)
    assert.equal(model.countParams(), 36 + 16 + 40 + 48 + 128 + 51);
    tf.disposeVariables();
  });

  it('is deterministic for a seed and trains on wasm', async () => {
    const a = buildModel(config(), INPUTS, 3).model;
    const wa = await a.getWeights()[0]!.data();
    const b = buildModel(config(), INPUTS, 3).model;
    const wb = await b.getWeights()[0]!.data();
    assert.deepEqual(Array.from(wa), Array.from(wb));
    const c = buildModel(config(['seed=4']), INPUTS, 3).model;
    assert.notDeepEqual(Array.from(await c.getWeights()[0]!.data()), Array.from(wa));

    a.compile({
      optimizer: createOptimizer({ type: 'adam', learning_rate: 0.01 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const xs = [tf.randomUniform([12, 8, 8, 1], 0, 1, 'float32', 1), tf.randomNormal([12, 10, 5], 0, 1, 'float32', 2)];
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3);
    const first = ((await a.trainOnBatch(xs, ys)) as number[])[0]!;
    let last = first;
    for (let i = 0; i < 20; i++) last = ((await a.trainOnBatch(xs, ys)) as number[])[0]!;
    assert.ok(last < first * 0.5, `loss ${first} → ${last}`);
    tf.disposeVariables();
  });
});
