/**
 * Which weights weight decay applies to (src/model/optimizers/decay-groups.ts): groups from the layers of a model
 * built from mmx's own layers, and an AdamW / SGD step with zero gradients that moves only the decayed weights.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { LayerNorm } from '../../src/model/layers/layer-norm.js';
import { MultiHeadAttention } from '../../src/model/layers/multi-head-attention.js';
import { PositionEmbedding } from '../../src/model/layers/position-embedding.js';
import { createOptimizer } from '../../src/model/optimizers/create.js';
import { decayPlan, weightGroups } from '../../src/model/optimizers/decay-groups.js';
import { use } from '../backend/helpers.js';

function textModel(): tf.LayersModel {
  const tokens = tf.input({ shape: [6], name: 'tokens' });
  let x = tf.layers.embedding({ inputDim: 20, outputDim: 8, name: 'tok' }).apply(tokens) as tf.SymbolicTensor;
  x = new PositionEmbedding({ seed: 1, name: 'pos' }).apply(x) as tf.SymbolicTensor;
  x = new MultiHeadAttention({ heads: 2, seed: 2, name: 'att' }).apply(x) as tf.SymbolicTensor;
  x = new LayerNorm({ name: 'ln' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 4, name: 'hidden' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: tokens, outputs: y });
}

describe('weight decay groups', () => {
  it('kernels are weights; biases (and other vectors) bias; LayerNorm and BatchNorm scales and shifts normalization; token and position tables embedding', async () => {
    await use('cpu');
    const model = textModel();
    // tfjs makes variable names unique per process ('hidden/bias_1' once another model had a 'hidden' layer): the
    // checks below read the names as the layers spell them
    const groups = Object.fromEntries([...weightGroups(model)].map(([name, g]) => [name.replace(/_\d+$/, ''), g.group]));
    const byGroup = (g: string) =>
      Object.entries(groups)
        .filter(([, x]) => x === g)
        .map(([n]) => n)
        .sort();
    assert.deepEqual(byGroup('embedding').length, 2, JSON.stringify(groups));
    assert.ok(byGroup('embedding').some((n) => n.startsWith('tok/')) && byGroup('embedding').some((n) => n.startsWith('pos/')));
    assert.deepEqual(byGroup('normalization'), ['bn/beta', 'bn/gamma', 'ln/beta', 'ln/gamma']);
    // the attention's four projections have a bias each; the two dense layers one
    assert.equal(byGroup('bias').length, 6, JSON.stringify(groups));
    assert.ok(byGroup('bias').includes('hidden/bias') && byGroup('bias').includes('head/bias'));
    assert.equal(byGroup('weight').length, 6, JSON.stringify(groups));
    assert.ok(byGroup('weight').includes('hidden/kernel') && !byGroup('weight').some((n) => n.startsWith('bn/')));
    // BatchNormalization's moving statistics are not trainable: not in any group
    assert.ok(!Object.keys(groups).some((n) => n.includes('moving')));
    model.dispose();
  });

  it('a step with zero gradients moves only the decayed weights: AdamW shrinks them by exactly (1 − lr·λ); excluded groups keep their values', async () => {
    await use('wasm');
    const model = textModel();
    const plan = decayPlan(model, ['bias', 'normalization']);
    assert.match(
      plan.summary,
      /^8 weights \([\d,]+ parameters\) decayed; left out: 6 bias \(\d+ parameters\), 4 normalization \(\d+ parameters\)$/,
    );
    const before = new Map(model.trainableWeights.map((w) => [w.name, w.read().dataSync().slice()]));
    const opt = createOptimizer({ type: 'adamw', learning_rate: 0.5, weight_decay: 0.2 }, { decays: plan.decays });
    opt.applyGradients(model.trainableWeights.map((w) => ({ name: w.name, tensor: tf.zerosLike(w.read()) })));
    const factor = Math.fround(1 - 0.5 * 0.2);
    for (const w of model.trainableWeights) {
      const now = w.read().dataSync();
      const was = before.get(w.name)!;
      const decayed = plan.decays(w.name);
      now.forEach((x, i) => assert.equal(x, decayed ? Math.fround(was[i]! * factor) : was[i], `${w.name}[${i}]`));
    }
    opt.dispose();
    model.dispose();
  });

  it('SGD L2 with exclusions: [] decays every weight; [bias, normalization, embedding] leaves the embedding tables alone too', async () => {
    await use('cpu');
    const model = textModel();
    for (const exclude of [[], ['bias', 'normalization', 'embedding']] as const) {
      const plan = decayPlan(model, exclude);
      const before = new Map(model.trainableWeights.map((w) => [w.name, w.read().dataSync().slice()]));
      const opt = createOptimizer({ type: 'sgd', learning_rate: 0.1, weight_decay: 0.5 }, { decays: plan.decays });
      opt.applyGradients(model.trainableWeights.map((w) => ({ name: w.name, tensor: tf.zerosLike(w.read()) })));
      const moved = model.trainableWeights
        .filter((w) =>
          w
            .read()
            .dataSync()
            .some((x, i) => x !== before.get(w.name)![i]),
        )
        .map((w) => w.name);
      const nonZero = model.trainableWeights.filter((w) => before.get(w.name)!.some((x) => x !== 0)).map((w) => w.name);
      if (exclude.length === 0) assert.deepEqual(moved, nonZero, 'every weight not already zero moves');
      else assert.ok(moved.length > 0 && moved.every((n) => weightGroups(model).get(n)!.group === 'weight'), moved.join(', '));
      opt.dispose();
    }
    model.dispose();
  });
});
