/**
 * Checkpoint files (src/train/checkpoint): a model and its optimiser captured, encoded, decoded and put back into a
 * model built the same way (whose tfjs variable names differ) continue exactly as the original; a file changed or
 * cut after the fact is refused by its hash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { captureOptimizer, captureWeights, restoreOptimizer, restoreWeights } from '../../src/train/checkpoint/capture.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint/format.js';
import { createOptimizer } from '../../src/model/optimizers/create.js';
import type { TrainerState } from '../../src/train/trainer-state.js';
import { randomArray, use } from '../backend/helpers.js';

function model(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 6, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  m.compile({ optimizer: createOptimizer({ type: 'adamw', learning_rate: 0.01 }), loss: 'categoricalCrossentropy' });
  return m;
}

const TRAINER: TrainerState = {
  epoch: 3,
  history: [{ epoch: 1, metrics: { train_loss: 0.5 }, samplesPerSec: 10, seconds: 1 }],
  best: 0.4,
  bestEpoch: 2,
  sinceBest: 1,
  stoppedEarly: false,
  control: { updates: 12 },
  random: { shuffle: 123, augment: 456, layers: [3, 4] },
  order: [2, 0, 1],
};

describe('checkpoint files', () => {
  it('round trip: weights (batch-norm statistics included) and optimiser slots continue as the original would', async () => {
    await use('wasm');
    const x = tf.tensor(randomArray(8 * 4, 5), [8, 4]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1], 'int32'), 2).toFloat();
    const a = model();
    await a.trainOnBatch(x, y);
    await a.trainOnBatch(x, y);
    const c: Checkpoint = {
      epoch: 3,
      configHash: 'c'.repeat(64),
      dataHash: 'd'.repeat(64),
      trainer: TRAINER,
      weights: captureWeights(a),
      optimizer: await captureOptimizer(a.optimizer, a),
      preprocessing: '{"inputs":[]}',
    };
    assert.ok(
      c.optimizer!.every((o) => o.name === 'iter' || /^w\d+\/(m|v)$/.test(o.name)),
      c.optimizer!.map((o) => o.name).join(),
    );
    const files = encodeCheckpoint(c);
    assert.deepEqual(Object.keys(files).sort(), ['optimizer.bin', 'preprocessing.json', 'state.json', 'weights.bin']);
    const back = await decodeCheckpoint(async (name) => files[name]!, 'ckpt');
    assert.deepEqual(back.trainer, TRAINER);
    assert.equal(back.preprocessing, '{"inputs":[]}');
    const b = model(); // new variables, other names
    assert.notEqual(b.weights[0]!.name, a.weights[0]!.name);
    restoreWeights(b, back.weights);
    await restoreOptimizer(b.optimizer, b, back.optimizer!);
    assert.equal(b.optimizer.iterations, 2);
    await a.trainOnBatch(x, y);
    await b.trainOnBatch(x, y);
    a.getWeights().forEach((w, i) => {
      const wa = w.dataSync();
      const wb = b.getWeights()[i]!.dataSync();
      // Adam's bias correction is recomputed from the step count on restore (as tfjs does): rounding apart
      wa.forEach((v, j) => assert.ok(Math.abs(v - wb[j]!) <= 1e-6 * Math.max(1, Math.abs(v)), `weight ${i}[${j}]: ${v} vs ${wb[j]}`));
    });
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('a file that does not match its hash, or a different model, is refused with what is wrong', async () => {
    await use('cpu');
    const a = model();
    const files = encodeCheckpoint({ epoch: 1, configHash: 'x', dataHash: 'y', trainer: TRAINER, weights: captureWeights(a) });
    const cut: Record<string, Uint8Array> = { ...files, 'weights.bin': files['weights.bin']!.slice(0, 8) };
    await assert.rejects(
      decodeCheckpoint(async (name) => cut[name]!, 'run/checkpoints/last-a'),
      /run\/checkpoints\/last-a\/weights.bin does not match its hash in state.json/,
    );
    const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
    const back = await decodeCheckpoint(async (name) => files[name]!, 'ckpt');
    assert.throws(() => restoreWeights(other, back.weights), /the model has 2 weights, the checkpoint 8/);
    a.dispose();
    other.dispose();
  });
});
