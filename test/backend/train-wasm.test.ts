/**
 * Training on wasm end to end: every layer kind the mmx encoders use (Conv2D, MaxPooling2D, Conv1D,
 * MaxPooling1D, GlobalAveragePooling1D, BatchNormalization, Embedding, Dropout, Flatten, Dense, softmax
 * cross-entropy) under Adam, SGD and RMSProp. Any kernel missing on wasm fails here with "not registered".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { randomArray, relMaxDiff, use } from './helpers.js';

const BATCH = 16;
const CLASSES = 4;

function buildModel(dropout = true): tf.LayersModel {
  const image = tf.input({ shape: [12, 12, 1], name: 'image' });
  let a = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(image) as tf.SymbolicTensor;
  a = tf.layers.batchNormalization().apply(a) as tf.SymbolicTensor;
  a = tf.layers.maxPooling2d({ poolSize: 2 }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.dropout({ rate: dropout ? 0.1 : 0 }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.flatten().apply(a) as tf.SymbolicTensor;

  const audio = tf.input({ shape: [20, 6], name: 'audio' });
  let b = tf.layers.conv1d({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu' }).apply(audio) as tf.SymbolicTensor;
  b = tf.layers.maxPooling1d({ poolSize: 2 }).apply(b) as tf.SymbolicTensor;
  b = tf.layers.conv1d({ filters: 12, kernelSize: 3, activation: 'relu' }).apply(b) as tf.SymbolicTensor;
  b = tf.layers.batchNormalization().apply(b) as tf.SymbolicTensor;
  b = tf.layers.globalAveragePooling1d().apply(b) as tf.SymbolicTensor;

  const text = tf.input({ shape: [10], name: 'text' });
  let c = tf.layers.embedding({ inputDim: 30, outputDim: 6 }).apply(text) as tf.SymbolicTensor;
  c = tf.layers.globalAveragePooling1d().apply(c) as tf.SymbolicTensor;

  let h = tf.layers.concatenate().apply([a, b, c]) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 16, activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: dropout ? 0.2 : 0 }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [image, audio, text], outputs: out });
}

function batch(): { xs: tf.Tensor[]; ys: tf.Tensor } {
  const labels = Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  // Make the label learnable from every modality: shift each example's inputs by its label.
  const img = randomArray(BATCH * 144, 1).map((v, i) => v + labels[Math.floor(i / 144)]! * 0.5);
  const aud = randomArray(BATCH * 120, 2).map((v, i) => v - labels[Math.floor(i / 120)]! * 0.5);
  const txt = Float32Array.from({ length: BATCH * 10 }, (_, i) => (labels[Math.floor(i / 10)]! * 7 + (i % 5)) % 30);
  return {
    xs: [tf.tensor4d(img, [BATCH, 12, 12, 1]), tf.tensor3d(aud, [BATCH, 20, 6]), tf.tensor2d(txt, [BATCH, 10])],
    ys: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES),
  };
}

async function lossOf(result: number | number[]): Promise<number> {
  const v = Array.isArray(result) ? result[0] : result;
  assert.equal(typeof v, 'number');
  return v as number;
}

describe('training on wasm', () => {
  for (const [name, makeOptimizer, steps] of [
    ['adam', () => tf.train.adam(0.01), 10],
    ['sgd', () => tf.train.sgd(0.05), 4],
    ['rmsprop', () => tf.train.rmsprop(0.005), 4],
  ] as const) {
    it(`a conv2d + conv1d + embedding model trains with ${name}`, async (t) => {
      const info = await initBackend('wasm');
      assert.equal(info.name, 'wasm');
      const model = buildModel();
      model.compile({ optimizer: makeOptimizer(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const { xs, ys } = batch();
      const losses: number[] = [];
      let tensorsAfterFirst = 0;
      for (let step = 0; step < steps; step++) {
        losses.push(await lossOf(await model.trainOnBatch(xs, ys)));
        if (step === 1) tensorsAfterFirst = tf.memory().numTensors;
      }
      t.diagnostic(`${name} losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
      assert.equal(tf.getBackend(), 'wasm');
      assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
      assert.equal(tf.memory().numTensors, tensorsAfterFirst, 'tensors leak per training step');
      if (name === 'adam') {
        const first = losses[0]!;
        const last = losses[losses.length - 1]!;
        assert.ok(last < first * 0.8, `loss did not decrease: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
      }
      tf.dispose([...xs, ys]);
      model.dispose();
    });
  }

  it('optimizer.minimize works on conv + embedding variables directly', async () => {
    await initBackend('wasm');
    const w = tf.variable(tf.tensor4d(randomArray(3 * 3 * 2 * 4, 9), [3, 3, 2, 4]));
    const table = tf.variable(tf.tensor2d(randomArray(10 * 3, 10), [10, 3]));
    const x = tf.tensor4d(randomArray(2 * 6 * 6 * 2, 11), [2, 6, 6, 2]);
    const ids = tf.tensor1d([1, 4, 4, 9], 'int32');
    const opt = tf.train.adam(0.05);
    const loss = () =>
      tf.tidy(() => tf.conv2d(x, w, 1, 'same').square().mean().add(tf.gather(table, ids).sub(1).square().mean()) as tf.Scalar);
    const before = loss().dataSync()[0]!;
    for (let i = 0; i < 10; i++) opt.minimize(loss);
    const after = loss().dataSync()[0]!;
    assert.ok(after < before, `${after} !< ${before}`);
    tf.dispose([w, table, x, ids]);
    opt.dispose();
  });

  it('computes the same gradients as cpu for every weight of the model (training-mode BatchNorm, no dropout)', async () => {
    // Weights fixed once, then the same forward/backward pass on each backend.
    await use('cpu');
    const template = buildModel(false);
    const weights = template.getWeights().map((w) => ({ shape: w.shape, values: (w.dataSync() as Float32Array).slice() }));
    template.dispose();
    const perBackend: { name: string; grad: Float32Array }[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const model = buildModel(false);
      model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
      const { xs, ys } = batch();
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => {
        const pred = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(ys, pred.log()) as tf.Scalar;
      }, vars);
      perBackend.push(
        model.trainableWeights.map((w) => {
          const g = grads[(w.read() as tf.Variable).name];
          assert.ok(g !== undefined, `no gradient for ${w.name}`);
          return { name: w.name, grad: (g.dataSync() as Float32Array).slice() };
        }),
      );
      tf.dispose(Object.values(grads));
      tf.dispose([...xs, ys]);
      model.dispose();
    }
    const [cpu, wasm] = perBackend as [(typeof perBackend)[0], (typeof perBackend)[0]];
    assert.equal(wasm.length, cpu.length);
    for (let i = 0; i < cpu.length; i++) {
      const d = relMaxDiff(wasm[i]!.grad, cpu[i]!.grad);
      assert.ok(d <= 1e-3, `gradient of ${cpu[i]!.name}: relative max abs diff ${d}`);
    }
  });
});
