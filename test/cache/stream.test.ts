/**
 * Streaming from the cache on real data (an AV-MNIST subset): chunk-wise shuffling visits every example exactly
 * once per epoch with at most a buffer's worth of examples in memory (counted by the batcher), batches carry the
 * in-memory features of their examples, augmentation still applies, prediction reads batches in order, and a
 * streamed model learns.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { ConfigError } from '../../src/config/issues.js';
import { isStreamed, modelInputs, prepareData, prepareTrainingData, type PreparedData, type StreamedData } from '../../src/data/dataset.js';
import { FeatureCache } from '../../src/data/cache/store.js';
import { predictSplit } from '../../src/evaluate/predict.js';
import { buildModel, compileModel, createOptimizer } from '../../src/model/build.js';
import { StreamBatcher } from '../../src/train/batches.js';
import type { TrainStep } from '../../src/train/step.js';
import { train } from '../../src/train/trainer.js';
import { rng } from '../../src/core/random.js';
import { checked } from '../data/helpers.js';
import { avmnistSubset } from '../helpers/subset.js';
import { avmnistYaml, tmp } from './helpers.js';

const dir = tmp();
const manifest = avmnistSubset(dir, { train: 12, validation: 3, test: 3 });
const cache = new FeatureCache(path.join(dir, 'cache'));
let memory: PreparedData;
let streamed: StreamedData;

before(async () => {
  const config = checked(dir, avmnistYaml(manifest));
  memory = await prepareData(config);
  const d = await prepareTrainingData(config, { cache, stream: 'always' });
  assert.ok('streamed' in d);
  streamed = d;
});

/** An example's features of one input, from the in-memory preparation. */
const memoryRow = (input: string, k: number): Float32Array => {
  const size = memory.state.inputs.find((s) => s.name === input)!.shape.reduce((a, b) => a * b, 1);
  return memory.train.features[input]!.subarray(k * size, (k + 1) * size);
};

describe('streamed data', () => {
  it('is explicit in the types: labels in memory, features behind a stream', () => {
    assert.ok(isStreamed(streamed.train) && isStreamed(streamed.test));
    assert.equal('features' in streamed.train, false);
    assert.deepEqual(streamed.train.labels, memory.train.labels);
    assert.deepEqual(streamed.train.targets, memory.train.targets);
    assert.deepEqual(streamed.state, memory.state);
  });

  it('shuffles by chunks: every example once per epoch, bounded memory, the same features as in memory', () => {
    const n = streamed.train.labels.length;
    const batcher = new StreamBatcher(streamed.train, ['image', 'speech'], 10, { chunkRows: 16, bufferChunks: 2 });
    assert.equal(batcher.bufferRows, 16 * 2 + 10 - 1);
    const random = rng(3);
    const orders: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      let batches = 0;
      for (const b of batcher.epoch(random)) {
        batches += 1;
        if (batches < Math.ceil(n / 10)) assert.equal(b.positions.length, 10, 'every batch but the last is full');
        b.positions.forEach((k, j) => {
          seen.push(k);
          for (const input of ['image', 'speech']) {
            const size = memoryRow(input, 0).length;
            assert.deepEqual(b.features[input]!.subarray(j * size, (j + 1) * size), memoryRow(input, k), `${input} of example ${k}`);
          }
        });
      }
      assert.equal(batches, Math.ceil(n / 10));
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
        'each example exactly once',
      );
      orders.push(seen);
    }
    assert.ok(
      batcher.maxResidentRows > 0 && batcher.maxResidentRows <= batcher.bufferRows,
      `resident ${batcher.maxResidentRows} > ${batcher.bufferRows}`,
    );
    assert.ok(batcher.maxResidentRows < n, 'never the whole split');
    assert.notDeepEqual(orders[0], orders[1], 'a new order each epoch');
    assert.notDeepEqual(
      orders[0],
      Array.from({ length: n }, (_, i) => i),
      'shuffled',
    );
    // without shuffling: split order
    assert.deepEqual(
      [...new StreamBatcher(streamed.train, ['image'], 7, { chunkRows: 5, bufferChunks: 3 }).epoch()].flatMap((b) => [...b.positions]),
      Array.from({ length: n }, (_, i) => i),
    );
  });

  it('training batches are augmented and carry their own targets', async () => {
    const yaml = avmnistYaml(manifest, { stream: 'always' }).replace('channels: 1}', 'channels: 1}\n    augmentation: {brightness: 0.5}');
    const config = checked(dir, yaml);
    const data = await prepareTrainingData(config, { cache, stream: 'always' });
    assert.ok('streamed' in data);
    await initBackend('cpu');
    const built = buildModel(config.config, modelInputs(data), data.state.target);
    compileModel(built, createOptimizer(config.config.training.optimizer));
    const seen: { image: Float32Array; ys: Float32Array }[] = [];
    const order = built.inputs.map((i) => i.name);
    const step: TrainStep = {
      async run(xs, ys) {
        seen.push({ image: xs[order.indexOf('image')]!.dataSync() as Float32Array, ys: ys.dataSync() as Float32Array });
        return [1, 0.5];
      },
      async dispose() {},
    };
    await train(config.config, data, built, () => {}, undefined, step, { chunkRows: 16, bufferChunks: 2 });
    const n = data.train.labels.length;
    assert.equal(
      seen.reduce((a, s) => a + s.ys.length / 10, 0),
      n,
    );
    // targets: one-hot rows, each class as often as in the split
    const counts = new Array<number>(10).fill(0);
    for (const s of seen) for (let r = 0; r < s.ys.length / 10; r++) counts[s.ys.subarray(r * 10, r * 10 + 10).indexOf(1)]! += 1;
    assert.deepEqual(
      counts,
      Array.from({ length: 10 }, (_, c) => data.train.labels.filter((l) => l === c).length),
    );
    // brightness shifts whole images: some batch image is not any example's plain features
    const plain = new Set(Array.from({ length: n }, (_, k) => memoryRow('image', k).join(',')));
    const augmented = seen
      .flatMap((s) => Array.from({ length: s.image.length / 784 }, (_, r) => s.image.subarray(r * 784, r * 784 + 784).join(',')))
      .filter((x) => !plain.has(x));
    assert.ok(augmented.length > n / 2, `${augmented.length} of ${n} images augmented`);
    data.close();
    built.model.dispose();
  });

  it('prediction reads a streamed split in order, as from memory', async () => {
    await initBackend('cpu');
    const config = checked(dir, avmnistYaml(manifest));
    const built = buildModel(config.config, modelInputs(memory), memory.state.target);
    const a = await predictSplit(built.predictor, memory.test, built.inputs, memory.state.target, 5);
    const b = await predictSplit(built.predictor, streamed.test, built.inputs, memory.state.target, 5);
    assert.deepEqual(b.probabilities, a.probabilities);
    assert.deepEqual(b.predicted, a.predicted);
    built.model.dispose();
  });

  it('stream: auto streams above the memory budget only; streaming needs the cache', async () => {
    const config = checked(dir, avmnistYaml(manifest));
    const small = await prepareTrainingData(config, { cache, stream: 'auto', memoryBudgetBytes: 1024 });
    assert.ok('streamed' in small);
    small.close();
    assert.ok(!('streamed' in (await prepareTrainingData(config, { cache, stream: 'auto' }))));
    assert.ok(!('streamed' in (await prepareTrainingData(config, { stream: 'auto', memoryBudgetBytes: 1024 }))));
    await assert.rejects(
      prepareTrainingData(config, { stream: 'always' }),
      (e: unknown) => e instanceof ConfigError && /feature cache/.test(e.message),
    );
  });
});

describe('streamed training on real data', () => {
  it('learns well above chance from the cache, in chunks', async () => {
    const d = tmp();
    const m = avmnistSubset(d, { train: 40, validation: 10, test: 10 });
    const yaml = avmnistYaml(m, { stream: 'always' })
      .replace('epochs: 1, batch_size: 32', 'epochs: 4, batch_size: 32, optimizer: {type: adam, learning_rate: 0.002}')
      .replace('backend: cpu', 'backend: wasm');
    const config = checked(d, yaml);
    const data = await prepareTrainingData(config, { cache: new FeatureCache(path.join(d, 'cache')), stream: 'always' });
    assert.ok('streamed' in data);
    await initBackend('wasm');
    tf.engine().startScope();
    const built = buildModel(config.config, modelInputs(data), data.state.target);
    compileModel(built, createOptimizer(config.config.training.optimizer));
    const result = await train(config.config, data, built, () => {}, undefined, undefined, { chunkRows: 64, bufferChunks: 2 });
    const accuracy = result.history.at(-1)!.metrics['val_accuracy']!;
    assert.ok(accuracy >= 0.4, `validation accuracy ${accuracy} (chance: 0.1)`);
    const test = await predictSplit(built.predictor, data.test, built.inputs, data.state.target);
    const correct = test.predicted.filter((p, i) => p === data.test.labels[i]).length / data.test.labels.length;
    assert.ok(correct >= 0.4, `test accuracy ${correct} (chance: 0.1)`);
    data.close();
    tf.engine().endScope();
  });
});
