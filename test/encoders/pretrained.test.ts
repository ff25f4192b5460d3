/** Pretrained word vectors (GloVe / word2vec text files) and pretrained image models (tfjs LayersModel on disk). */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { prepareData } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { loadWordVectors } from '../../src/data/text/vectors.js';
import { serializeModel } from '../../src/runner/save-model.js';
import { saveAndLoad } from '../helpers/saved-model.js';
import { isSequence } from '../../src/model/encoders/registry.js';
import { modelAround, tmp } from './helpers.js';

const CSV = `text,label,split
hello world,a,train
world of wonders,b,train
hello again,a,train
unknown words here,b,validation
hello,a,test
`;

function prepared(dir: string, encoder: string) {
  writeFileSync(path.join(dir, 'm.csv'), CSV);
  writeFileSync(
    path.join(dir, 'x.yaml'),
    `name: p\ndata: {path: m.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  t: {type: text, column: text, preprocessing: {max_length: 4}, encoder: ${encoder}}\n`,
  );
  const checked = checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
  return { checked, input: checked.config.inputs.t! };
}

describe('pretrained word vectors', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('reads GloVe and word2vec text files; vocabulary words get their vectors, others random, PAD zeros', async () => {
    const dir = tmp();
    const glove = path.join(dir, 'glove.txt');
    writeFileSync(glove, 'the 0.5 0.5 0.5\nhello 0.1 0.2 0.3\nWorld 0.4 0.5 0.6\nworld 0.7 0.8 0.9\n');
    const vocab = ['<pad>', '<oov>', 'hello', 'world', 'again'];
    const v = await loadWordVectors(glove, vocab, 1);
    assert.equal(v.dim, 3);
    assert.equal(v.found, 2);
    const rowOf = (id: number) => Array.from(v.values.subarray(id * 3, id * 3 + 3));
    assert.deepEqual(rowOf(0), [0, 0, 0]);
    assert.deepEqual(
      rowOf(2).map((x) => +x.toFixed(6)),
      [0.1, 0.2, 0.3],
    );
    // the exact match wins over a case-folded one
    assert.deepEqual(
      rowOf(3).map((x) => +x.toFixed(6)),
      [0.7, 0.8, 0.9],
    );
    assert.ok(rowOf(4).some((x) => x !== 0) && rowOf(1).some((x) => x !== 0));
    const w2v = path.join(dir, 'w2v.txt');
    writeFileSync(w2v, '2 3\nHello 0.1 0.2 0.3\nagain 1 2 3\n');
    const w = await loadWordVectors(w2v, vocab, 1);
    assert.equal(w.found, 2);
    assert.deepEqual(
      Array.from(w.values.subarray(6, 9)).map((x) => +x.toFixed(6)),
      [0.1, 0.2, 0.3],
    );
    writeFileSync(w2v, 'hello 0.1 0.2 0.3\nworld 0.4 0.5\n');
    await assert.rejects(
      loadWordVectors(w2v, vocab, 1),
      (e: unknown) => e instanceof DataError && e.where.line === 2 && /has 2 values/.test(e.message),
    );
    await assert.rejects(loadWordVectors(path.join(dir, 'nope.txt'), vocab, 1), /word vectors file not found/);
  });

  it('through prepareData: the path resolves from the config file; frozen vectors stay as read while the rest trains', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'vectors'));
    writeFileSync(path.join(dir, 'vectors', 'tiny.txt'), 'hello 0.1 0.2 0.3 0.4\nworld -0.1 -0.2 -0.3 -0.4\nwonders 1 1 1 1\n');
    const { checked, input } = prepared(dir, '{type: lstm, units: 4, output_dim: 4, pretrained: {path: vectors/tiny.txt}}');
    const logs: string[] = [];
    const data = await prepareData(checked, (e) => e.type === 'log' && logs.push(e.message));
    assert.ok(
      logs.some((l) => /pretrained vectors: 3 of 5 vocabulary words found \(4-d\)/.test(l)),
      logs.join('\n'),
    );
    const meta = data.meta.t!;
    const { model } = modelAround(input, [4], meta);
    const emb = model.layers.find((l) => l.getClassName() === 'Embedding')!;
    assert.equal(emb.trainable, false);
    const vocabulary = meta.vocabulary!;
    const table = emb.getWeights()[0]!.arraySync() as number[][];
    assert.deepEqual(
      table[vocabulary.indexOf('hello')]!.map((x) => +x.toFixed(6)),
      [0.1, 0.2, 0.3, 0.4],
    );
    assert.deepEqual(table[0], [0, 0, 0, 0]);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const x = tf.tensor(data.train.features.t!, [data.train.rows.length, 4]);
    const y = tf.oneHot(tf.tensor1d(Array.from(data.train.labels), 'int32'), 2);
    await model.trainOnBatch(x, y);
    assert.deepEqual(emb.getWeights()[0]!.arraySync(), table);
    tf.disposeVariables();

    // trainable: the vectors move; an embedding_dim that disagrees with the file is an error
    const t = prepared(dir, '{type: embedding_bag, output_dim: 4, pretrained: {path: vectors/tiny.txt, trainable: true}}');
    const d2 = await prepareData(t.checked);
    const m2 = modelAround(t.input, [4], d2.meta.t!).model;
    const e2 = m2.layers.find((l) => l.getClassName() === 'Embedding')!;
    assert.equal(e2.trainable, true);
    m2.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const before2 = e2.getWeights()[0]!.dataSync().slice();
    await m2.trainOnBatch(tf.tensor(d2.train.features.t!, [d2.train.rows.length, 4]), y);
    assert.notDeepEqual(e2.getWeights()[0]!.dataSync(), before2);
    tf.disposeVariables();
    const bad = prepared(dir, '{type: cnn, embedding_dim: 8, pretrained: {path: vectors/tiny.txt}}');
    await assert.rejects(prepareData(bad.checked), /the word vectors have 4 dimensions, embedding_dim is 8/);
  });
});

describe('pretrained image model', () => {
  before(async () => {
    await initBackend('wasm');
  });

  async function saveTinyModel(dir: string): Promise<void> {
    const m = tf.sequential({ name: 'tiny' });
    m.add(
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 3,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 4, name: 'pool' }));
    m.add(tf.layers.flatten({ name: 'feat' }));
    m.add(
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    );
    const files = await serializeModel(m);
    mkdirSync(path.join(dir, 'tiny'), { recursive: true });
    writeFileSync(path.join(dir, 'tiny', 'model.json'), files['model.json']);
    writeFileSync(path.join(dir, 'tiny', 'weights.bin'), files['weights.bin']);
    tf.disposeVariables();
  }

  it('is loaded from model.json, cut at a layer, frozen; the whole model saves and loads back', async () => {
    const { avmnistSubset } = await import('../helpers/subset.js');
    const dir = tmp();
    await saveTinyModel(dir);
    avmnistSubset(dir, { train: 1, validation: 1, test: 1 });
    const yaml = (encoder: string) => {
      writeFileSync(
        path.join(dir, 'x.yaml'),
        `name: p\ndata: {path: manifest.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  image: {type: image, column: image_path, encoder: ${encoder}}\n`,
      );
      return checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
    };
    const checked = yaml('{type: pretrained, path: tiny/model.json, layer: pool, output_dim: 8}');
    const data = await prepareData(checked);
    const input = checked.config.inputs.image!;
    const { model, embedding } = modelAround(input, [28, 28, 1], data.meta.image!, 10);
    assert.deepEqual(embedding.shape, [null, 8]);
    const pretrained = model.layers.find(
      (l) => l.getClassName() === 'Model' || l.getClassName() === 'LayersModel' || l.name.includes('pretrained'),
    )!;
    assert.equal(pretrained.trainable, false);
    const frozen = pretrained.getWeights().map((w) => w.dataSync().slice());
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const x = tf.tensor(data.train.features.image!, [10, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(Array.from(data.train.labels), 'int32'), 10);
    const loss = (await model.trainOnBatch(x, y)) as number;
    assert.ok(Number.isFinite(loss));
    pretrained.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), frozen[i]));
    // save → load: same predictions
    const loaded = await saveAndLoad(model);
    assert.deepEqual((loaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
    tf.disposeVariables();

    // default layer: the penultimate ('feat', already flat); an unknown layer lists the real ones; wrong size is an error
    const d2 = await prepareData(yaml('{type: pretrained, path: tiny/model.json, trainable: true}'));
    const m2 = modelAround(
      yaml('{type: pretrained, path: tiny/model.json, trainable: true}').config.inputs.image!,
      [28, 28, 1],
      d2.meta.image!,
      10,
    );
    assert.deepEqual(m2.embedding.shape, [null, 6 * 6 * 3]);
    tf.disposeVariables();
    const d3 = await prepareData(yaml('{type: pretrained, path: tiny/model.json, layer: nope}'));
    assert.throws(
      () =>
        modelAround(yaml('{type: pretrained, path: tiny/model.json, layer: nope}').config.inputs.image!, [28, 28, 1], d3.meta.image!, 10),
      /no layer 'nope' \(layers: conv, pool, feat, logits\)/,
    );
    // output: sequence: the cut layer's positions (pool: 6 × 6 × 3 → 36 steps), each projected; a flat layer has none
    const seqYaml = '{type: pretrained, path: tiny/model.json, layer: pool, output_dim: 8, output: sequence}';
    const d4 = await prepareData(yaml(seqYaml));
    const seq = modelAround(yaml(seqYaml).config.inputs.image!, [28, 28, 1], d4.meta.image!, 10);
    assert.ok(isSequence(seq.output));
    assert.deepEqual(seq.output.sequence.shape, [null, 36, 8]);
    assert.equal(seq.output.mask, undefined);
    tf.disposeVariables();
    const flatYaml = '{type: pretrained, path: tiny/model.json, layer: feat, output: sequence}';
    const d5 = await prepareData(yaml(flatYaml));
    assert.throws(
      () => modelAround(yaml(flatYaml).config.inputs.image!, [28, 28, 1], d5.meta.image!, 10),
      /output: sequence needs a layer whose output keeps positions, but 'feat' gives \[batch, 108\]/,
    );
    await assert.rejects(prepareData(yaml('{type: pretrained, path: tiny/missing.json}')), /pretrained model not found/);
    writeFileSync(
      path.join(dir, 'x.yaml'),
      `name: p\ndata: {path: manifest.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  image: {type: image, column: image_path, preprocessing: {height: 14, width: 14}, encoder: {type: pretrained, path: tiny/model.json}}\n`,
    );
    await assert.rejects(
      prepareData(checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }))),
      /the model takes input \[28, 28, 1\], the images are \[14, 14, 1\]/,
    );
  });
});
