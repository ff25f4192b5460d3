/**
 * Every encoder builds and trains a step on the wasm backend (no kernel missing); the recurrent and attention
 * encoders' gradients agree with the cpu backend; models with the custom layers save and load back.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
// the whole model builder (fusions and their layers too), so a class-name clash would show
import '../../src/model/build.js';
import { LegacyMaskedSelfAttention } from '../../src/model/layers/legacy-attention.js';
import { MaskedPooling } from '../../src/model/layers/masked-pooling.js';
import { MultiHeadAttention } from '../../src/model/layers/multi-head-attention.js';
import { OneHot } from '../../src/model/layers/one-hot.js';
import { PositionEmbedding } from '../../src/model/layers/position-embedding.js';
import { saveAndLoad } from '../helpers/saved-model.js';
import { image, modelAround, resolvedInput, spectrogram, TOKENS, tokens, VOCAB } from './helpers.js';

interface Case {
  entry: string;
  shape: number[];
  vocabSize?: number;
  data: () => tf.Tensor;
}

const CASES: Record<string, Case> = {
  'image cnn': { entry: '{type: image, column: a, encoder: {type: cnn, filters: [4], output_dim: 8}}', shape: [8, 8, 1], data: image() },
  'image resnet': {
    entry: '{type: image, column: a, encoder: {type: resnet, widths: [4, 8], blocks: 1, output_dim: 8}}',
    shape: [8, 8, 3],
    data: image(8, 8, 3),
  },
  'image resnet, no batch norm, 2 blocks': {
    entry: '{type: image, column: a, encoder: {type: resnet, widths: [4], blocks: 2, batch_norm: false, output_dim: 8}}',
    shape: [8, 8, 1],
    data: image(),
  },
  'image mlp': {
    entry: '{type: image, column: a, encoder: {type: mlp, layers: [16, 8], dropout: 0.1, output_dim: 8}}',
    shape: [8, 8, 1],
    data: image(),
  },
  'audio cnn1d': {
    entry: '{type: audio, column: a, encoder: {type: cnn1d, filters: [4], output_dim: 8}}',
    shape: [12, 6],
    data: spectrogram,
  },
  'audio cnn2d': {
    entry: '{type: audio, column: a, encoder: {type: cnn2d, filters: [4, 4], global_pool: avg, output_dim: 8}}',
    shape: [12, 6],
    data: spectrogram,
  },
  'audio lstm': {
    entry: '{type: audio, column: a, encoder: {type: lstm, units: 4, layers: 2, output_dim: 8}}',
    shape: [12, 6],
    data: spectrogram,
  },
  'audio gru bidirectional': {
    entry: '{type: audio, column: a, encoder: {type: gru, units: 4, bidirectional: true, output_dim: 8}}',
    shape: [12, 6],
    data: spectrogram,
  },
  'text embedding_bag mean': {
    entry: '{type: text, column: a, encoder: {type: embedding_bag, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text embedding_bag max': {
    entry: '{type: text, column: a, encoder: {type: embedding_bag, pooling: max, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text cnn': {
    entry: '{type: text, column: a, encoder: {type: cnn, kernel_sizes: [2, 3], filters: 4, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text lstm': {
    entry: '{type: text, column: a, encoder: {type: lstm, units: 4, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text gru, 2 layers': {
    entry: '{type: text, column: a, encoder: {type: gru, units: 4, layers: 2, recurrent_dropout: 0.1, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text bilstm': {
    entry: '{type: text, column: a, encoder: {type: bilstm, units: 4, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'text transformer': {
    entry: '{type: text, column: a, encoder: {type: transformer, heads: 2, layers: 2, ff_dim: 16, embedding_dim: 8, output_dim: 8}}',
    shape: [6],
    vocabSize: VOCAB,
    data: tokens,
  },
  'numeric dense': {
    entry: '{type: numeric, column: a, encoder: {type: dense, layers: [8, 4], batch_norm: true, output_dim: 4}}',
    shape: [5],
    data: () => tf.randomNormal([4, 5], 0, 1, 'float32', 5),
  },
  'numeric passthrough': {
    entry: '{type: numeric, column: a, encoder: {type: passthrough}}',
    shape: [5],
    data: () => tf.randomNormal([4, 5], 0, 1, 'float32', 5),
  },
  'categorical embedding': {
    entry: '{type: categorical, column: a, encoder: {type: embedding, dim: 3}}',
    shape: [1],
    vocabSize: 5,
    data: () => tf.tensor2d([[0], [1], [2], [4]]),
  },
  'categorical onehot': {
    entry: '{type: categorical, column: a, encoder: {type: onehot}}',
    shape: [1],
    vocabSize: 5,
    data: () => tf.tensor2d([[0], [1], [2], [4]]),
  },
};

describe('encoders on wasm', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: builds and trains one step`, async () => {
      const input = resolvedInput(c.entry);
      const { model, embedding } = modelAround(input, c.shape, c.vocabSize ? { vocabSize: c.vocabSize } : {});
      assert.equal(embedding.shape.length, 2, `embedding shape [${embedding.shape.join(', ')}]`);
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const x = c.data();
      const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
      const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
      const loss = (await model.trainOnBatch(x, y)) as number;
      assert.ok(Number.isFinite(loss), `loss ${loss}`);
      const after = model.trainableWeights.map((w) => w.read().dataSync());
      // every trainable weight of the encoder moved (the head always does)
      const still = model.trainableWeights.filter((_, i) => before[i]!.every((v, j) => v === after[i]![j])).map((w) => w.name);
      assert.deepEqual(still, [], `weights without a gradient: ${still.join(', ')}`);
      const out = (model.predict(x) as tf.Tensor).dataSync();
      assert.ok(out.every(Number.isFinite));
      tf.dispose([x, y]);
      tf.disposeVariables();
    });
  }

  it('text encoders without the vocabulary size say what is missing', () => {
    const input = resolvedInput('{type: text, column: a}');
    assert.throws(() => modelAround(input, [6]), /needs the input's vocabulary size/);
  });

  it('transformer: embedding size must divide by heads', () => {
    const input = resolvedInput('{type: text, column: a, encoder: {type: transformer, heads: 3, embedding_dim: 8}}');
    assert.throws(() => modelAround(input, [6], { vocabSize: VOCAB }), /8 is not divisible by heads \(3\)/);
  });

  it('PAD steps are masked: lstm / gru / bag give the same embedding whether the padding comes first or last', () => {
    for (const encoder of [
      '{type: lstm, units: 4}',
      '{type: gru, units: 4}',
      '{type: bilstm, units: 4}',
      '{type: embedding_bag, pooling: max}',
    ]) {
      const input = resolvedInput(`{type: text, column: a, encoder: ${encoder.replace('}', ', embedding_dim: 8, output_dim: 8}')}}`);
      const { model, embedding } = modelAround(input, [6], { vocabSize: VOCAB });
      const enc = tf.model({ inputs: model.inputs, outputs: embedding });
      const post = (enc.predict(tf.tensor2d([[3, 4, 5, 0, 0, 0]])) as tf.Tensor).dataSync();
      const pre = (enc.predict(tf.tensor2d([[0, 0, 0, 3, 4, 5]])) as tf.Tensor).dataSync();
      const other = (enc.predict(tf.tensor2d([[3, 4, 6, 0, 0, 0]])) as tf.Tensor).dataSync();
      assert.ok(
        Array.from(post).every((v, i) => Math.abs(v - pre[i]!) < 1e-5),
        `${encoder}: ${post} vs ${pre}`,
      );
      assert.ok(
        Array.from(post).some((v, i) => Math.abs(v - other[i]!) > 1e-6),
        encoder,
      );
      tf.disposeVariables();
    }
  });

  it('the custom layers own their class names in the serialisation registry (no clash with other layers)', () => {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const cls of [MaskedPooling, PositionEmbedding, MultiHeadAttention, LegacyMaskedSelfAttention, OneHot])
      assert.equal(map[cls.className]?.[0], cls, cls.className);
  });

  it('models with the custom layers (attention, position embedding, masked pooling, one-hot) save and load back', async () => {
    for (const [entry, shape, vocabSize, data] of [
      [
        '{type: text, column: a, encoder: {type: transformer, heads: 2, layers: 1, embedding_dim: 8, ff_dim: 8, output_dim: 4}}',
        [6],
        VOCAB,
        tokens(),
      ],
      ['{type: text, column: a, encoder: {type: embedding_bag, pooling: max, embedding_dim: 4, output_dim: 4}}', [6], VOCAB, tokens()],
      ['{type: categorical, column: a, encoder: {type: onehot}}', [1], 5, tf.tensor2d([[0], [3]])],
    ] as const) {
      const { model } = modelAround(resolvedInput(entry), [...shape], { vocabSize });
      const loaded = await saveAndLoad(model);
      assert.deepEqual((loaded.predict(data) as tf.Tensor).dataSync(), (model.predict(data) as tf.Tensor).dataSync(), entry);
      tf.disposeVariables();
    }
  });
});

describe('recurrent and attention gradients: wasm against cpu', () => {
  for (const [name, entry, shape, data] of [
    [
      'text lstm',
      '{type: text, column: a, encoder: {type: lstm, units: 3, embedding_dim: 4, output_dim: 4}}',
      [6],
      () => tf.tensor2d(TOKENS),
    ],
    [
      'text bilstm',
      '{type: text, column: a, encoder: {type: bilstm, units: 3, embedding_dim: 4, output_dim: 4}}',
      [6],
      () => tf.tensor2d(TOKENS),
    ],
    [
      'text gru',
      '{type: text, column: a, encoder: {type: gru, units: 3, embedding_dim: 4, output_dim: 4}}',
      [6],
      () => tf.tensor2d(TOKENS),
    ],
    [
      'text transformer',
      '{type: text, column: a, encoder: {type: transformer, heads: 2, layers: 1, embedding_dim: 4, ff_dim: 8, output_dim: 4, attention_dropout: 0}}',
      [6],
      () => tf.tensor2d(TOKENS),
    ],
    ['audio gru', '{type: audio, column: a, encoder: {type: gru, units: 3, output_dim: 4}}', [12, 6], spectrogram],
  ] as const) {
    it(`${name}: every weight's gradient matches`, async () => {
      const grads = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
        await initBackend(backend);
        const { model } = modelAround(resolvedInput(entry), [...shape], { vocabSize: VOCAB }, 2, 7);
        const x = data();
        const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
        const { grads: g } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor).mean() as tf.Scalar,
        );
        const out = model.trainableWeights.map((w) => {
          const t = g[w.name];
          assert.ok(t, `no gradient for ${w.name} (${Object.keys(g).join(', ')})`);
          return t.dataSync().slice() as Float32Array;
        });
        tf.dispose([x, y, ...Object.values(g)]);
        tf.disposeVariables();
        return out;
      };
      const onWasm = await grads('wasm');
      const onCpu = await grads('cpu');
      await initBackend('wasm');
      assert.equal(onWasm.length, onCpu.length);
      onWasm.forEach((g, i) => {
        const scale = Math.max(1e-6, ...Array.from(onCpu[i]!, Math.abs));
        const diff = Math.max(...Array.from(g, (v, j) => Math.abs(v - onCpu[i]![j]!)));
        assert.ok(diff / scale < 1e-3, `weight ${i}: relative difference ${diff / scale}`);
      });
    });
  }
});
