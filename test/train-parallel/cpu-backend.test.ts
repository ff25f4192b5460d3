/**
 * The data-parallel step on tfjs's pure-JS cpu backend (the fallback where wasm cannot start): the workers start
 * the same backend as the main thread, and 3 threads give what trainOnBatch gives.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { createParallelStep } from '../../src/train/parallel/index.js';
import { localStep } from '../../src/train/step.js';
import { dataPath } from '../helpers/data.js';
import { compiled, maxDiff, maxWeightDiff, prepare, trainSteps } from './helpers.js';

describe('data-parallel step on the cpu backend', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('3 threads = trainOnBatch (penguins, classification)', { timeout: 120_000 }, async () => {
    assert.equal(tf.getBackend(), 'cpu');
    const p = await prepare(`name: par-cpu
data: {path: ${JSON.stringify(dataPath('penguins', 'manifest.csv'))}, split: {column: split}}
target: {column: label}
inputs:
  m: {type: numeric, column: bill_length_mm, columns: [bill_depth_mm, flipper_length_mm], encoder: {type: dense, layers: [16], output_dim: 8}}
training: {epochs: 1, batch_size: 50, shuffle: false, optimizer: {type: sgd, learning_rate: 0.1, momentum: 0.9}}
runtime: {backend: cpu}
`);
    const a = compiled(p);
    const b = compiled(p);
    const single = await trainSteps(p, a, localStep(a), 5);
    const step = await createParallelStep(b, 3);
    try {
      const multi = await trainSteps(p, b, step, 5);
      assert.ok(maxDiff(single, multi) < 1e-5, `${JSON.stringify(single)} vs ${JSON.stringify(multi)}`);
      assert.ok(maxWeightDiff(a.model, b.model) < 1e-5);
    } finally {
      await step.dispose();
    }
  });
});
