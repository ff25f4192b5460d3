/**
 * mmx's custom layers: save → load round trips through tf.loadLayersModel, modality dropout (whole embeddings, at
 * the configured rate, only in training), the mask switch, fusion validation, and the trainer with auxiliary losses.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import type { PreparedData } from '../../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer, withMasked } from '../../src/model/build.js';
import { validateFusion } from '../../src/model/fusions/index.js';
import { FusionConfigError } from '../../src/model/fusions/registry.js';
import { ModalityDropout, ModalityTokenGate } from '../../src/model/layers/index.js';
import { train } from '../../src/train/trainer.js';
import { tinyBatch, tinyConfig, tinyInputs } from './helpers.js';

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = JSON.parse(JSON.stringify({ ...artifacts, weightData: undefined }));
      saved!.weightData = artifacts.weightData;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

const gateOf = (model: tf.LayersModel, input: string): ModalityDropout =>
  model.layers.find((l) => l instanceof ModalityDropout && l.name.startsWith(`mmx_${input}_`)) as ModalityDropout;

describe('custom layers and modality gates', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('models with every custom layer save and load with tf.loadLayersModel, predicting the same', async () => {
    const fusions = [
      '{type: transformer, dim: 4, heads: 2, layers: 1, pooling: cls, modality_dropout: 0.2}', // ModalityTokenGate, ModalityTypeEmbedding, MaskPad, MultiHeadAttention, LayerNorm
      '{type: cross_attention, dim: 4, heads: 2, layers: 1}', // MultiHeadAttention (cross), MaskedPooling
      '{type: bottleneck, dim: 4, heads: 2, layers: 2, n_bottleneck: 2}', // LatentTokens, TokenSlice, BottleneckMerge, MaskPad
      '{type: tensor, dim: 3}', // OuterProduct
      '{type: low_rank_tensor, dim: 4, rank: 2}', // RankWeightedSum
      '{type: bilinear, dim: 4, factor: 2}', // MfbPool
      '{type: gated, dim: 4, gate: softmax}', // GatedCombine
      '{type: late, weights: learned}', // LearnedWeightedAverage
      '{type: concat, hidden: [4], dropout: 0.3}', // MmxDropout
    ];
    const { xs, ys } = tinyBatch(3, 5);
    for (const f of fusions) {
      const built = buildModel(tinyConfig(f, 3), tinyInputs(3), 3);
      // move the weights off their initial values so that a lost weight would show
      compileModel(built, createOptimizer({ type: 'adam', learning_rate: 0.05 }));
      await built.model.trainOnBatch(xs, ys);
      const loaded = await roundTrip(built.model);
      if (f.includes('dropout: 0.3')) assert.ok(loaded.layers.some((l) => l.getClassName() === 'MmxDropout'));
      assert.deepEqual(
        loaded.layers.map((l) => l.getClassName()),
        built.model.layers.map((l) => l.getClassName()),
        f,
      );
      const a = built.model.predict(xs) as tf.Tensor;
      const b = loaded.predict(xs) as tf.Tensor;
      const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      assert.ok(diff < 1e-5, `${f}: predictions differ by ${diff}`);
      tf.dispose([a, b]);
      tf.disposeVariables();
    }
    tf.dispose([...xs, ys]);
  });

  it('modality dropout drops whole embeddings at the configured rate in training, never at inference', () => {
    const built = buildModel(tinyConfig('{type: concat, modality_dropout: 0.3}'), tinyInputs(), 3);
    const gate = gateOf(built.model, 'pic');
    assert.equal(gate.rate, 0.3);
    const x = tf.add(tf.randomUniform([4000, 8], 0, 1, 'float32', 7), 0.1);
    const rowsDropped = (y: tf.Tensor): { dropped: number; partial: number } => {
      const zeros = tf.sum(tf.cast(tf.equal(y, 0), 'float32'), 1).dataSync();
      let dropped = 0;
      let partial = 0;
      for (const z of zeros) {
        if (z === 8) dropped++;
        else if (z > 0) partial++;
      }
      return { dropped, partial };
    };
    const t1 = gate.apply(x, { training: true }) as tf.Tensor;
    const t2 = gate.apply(x, { training: true }) as tf.Tensor;
    const r1 = rowsDropped(t1);
    assert.equal(r1.partial, 0, 'an embedding is dropped whole or not at all');
    // 4000 examples at p = 0.3: 1200 expected, standard deviation √(4000·0.3·0.7) ≈ 29
    assert.ok(Math.abs(r1.dropped - 1200) < 120, `dropped ${r1.dropped} of 4000`);
    // kept rows pass unchanged (no 1/(1-p) rescaling)
    const keptMax = tf.max(tf.abs(tf.sub(t1, tf.mul(x, tf.cast(tf.notEqual(t1, 0), 'float32'))))).dataSync()[0]!;
    assert.equal(keptMax, 0);
    // a new draw every batch
    assert.notDeepEqual(Array.from(t1.dataSync()), Array.from(t2.dataSync()));
    // inference: the identity
    const inf = gate.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(inf.dataSync()), Array.from(x.dataSync()));
    // and the model's predictions are deterministic
    const { xs } = tinyBatch(2, 6);
    const p1 = (built.model.predict(xs) as tf.Tensor).dataSync();
    const p2 = (built.model.predict(xs) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(p1), Array.from(p2));
    tf.disposeVariables();
  });

  it('the mask switch zeroes the embedding (present for every input, even with modality_dropout 0)', async () => {
    const built = buildModel(tinyConfig('{type: concat, hidden: [5]}'), tinyInputs(), 3);
    assert.deepEqual(Object.keys(built.masks), ['pic', 'snd']);
    assert.equal(built.masks.pic!.missing, 'zero');
    const gate = gateOf(built.model, 'pic');
    const embedding = tf.model({ inputs: built.model.inputs, outputs: gate.output as tf.SymbolicTensor });
    const { xs } = tinyBatch(2, 6);
    const before = embedding.predict(xs) as tf.Tensor;
    assert.ok(tf.sum(tf.abs(before)).dataSync()[0]! > 0);
    built.masks.pic!.setMasked(true);
    assert.equal(built.masks.pic!.masked, true);
    assert.deepEqual(Array.from((embedding.predict(xs) as tf.Tensor).dataSync()), new Array(6 * 8).fill(0));
    // masked, the picture no longer changes the prediction
    const other = [tf.randomUniform([6, 8, 8, 1], 0, 1, 'float32', 99), xs[1]!];
    const pa = (built.model.predict(xs) as tf.Tensor).dataSync();
    const pb = (built.model.predict(other) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(pa), Array.from(pb));
    built.masks.pic!.setMasked(false);
    assert.notDeepEqual(Array.from((built.model.predict(other) as tf.Tensor).dataSync()), Array.from(pa));
    // withMasked masks for the duration of the callback only
    const masked = await withMasked(built, ['snd'], () => built.masks.snd!.masked && !built.masks.pic!.masked);
    assert.equal(masked, true);
    assert.equal(built.masks.snd!.masked, false);
    tf.disposeVariables();
  });

  it('fusions over tokens gate each modality with a ModalityTokenGate that masks its tokens', () => {
    for (const f of [
      '{type: attention, dim: 4, heads: 2}',
      '{type: transformer, dim: 4, heads: 2}',
      '{type: cross_attention, dim: 4, heads: 2}',
      '{type: bottleneck, dim: 4, heads: 2}',
    ]) {
      const built = buildModel(tinyConfig(f), tinyInputs(), 3);
      assert.equal(built.masks.snd!.missing, 'tokens', f);
      assert.equal(built.model.layers.filter((l) => l instanceof ModalityTokenGate).length, 2, f);
      assert.equal(built.model.layers.filter((l) => l instanceof ModalityDropout).length, 0, f);
      tf.disposeVariables();
    }
  });
});

describe('fusion validation', () => {
  const two = ['image', 'speech'];
  const fusion = (f: Record<string, unknown>) =>
    ({ hidden: [128], dropout: 0, activation: 'relu', modality_dropout: 0, ...f }) as unknown as { type: string };

  it('FiLM: conditioner and target must name inputs and differ', () => {
    const unknown = validateFusion(fusion({ type: 'film', conditioner: 'speach', target: 'image' }), two);
    assert.equal(unknown.length, 1);
    assert.deepEqual(unknown[0]!.path, ['fusion', 'conditioner']);
    assert.match(unknown[0]!.message, /'speach' is not an input of this config \(inputs: image, speech\)/);
    assert.match(unknown[0]!.hint!, /did you mean 'speech'/);
    const same = validateFusion(fusion({ type: 'film', conditioner: 'image', target: 'image' }), two);
    assert.deepEqual(same[0]!.path, ['fusion', 'conditioner']);
    assert.match(same[0]!.message, /both 'image'/);
    assert.match(same[0]!.hint!, /speech/);
    assert.deepEqual(validateFusion(fusion({ type: 'film', conditioner: 'speech', target: 'image' }), two), []);
  });

  it('tensor fusion: a product over 2^20 features fails, saying the size and what to lower', () => {
    const issues = validateFusion(fusion({ type: 'tensor', dim: 128 }), ['a', 'b', 'c']);
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]!.path, ['fusion', 'dim']);
    // 129^3 = 2,146,689
    assert.match(issues[0]!.message, /\(128 \+ 1\)\^3 = 2,146,689 fused features, over the limit of 1,048,576/);
    // largest d with (d+1)^3 ≤ 2^20: 101^3 = 1,030,301, 102^3 = 1,061,208 → d = 100
    assert.match(issues[0]!.hint!, /lower fusion.dim to 100 or less, or use fusion.type: low_rank_tensor/);
    assert.deepEqual(validateFusion(fusion({ type: 'tensor', dim: 128 }), two), []);
  });

  it('methods that need two or more modalities reject one', () => {
    for (const type of ['product', 'film', 'bilinear']) {
      const issues = validateFusion(fusion({ type, conditioner: 'a', target: 'a' }), ['image']);
      assert.equal(issues.length, 1, type);
      assert.deepEqual(issues[0]!.path, ['fusion', 'type']);
      assert.match(issues[0]!.message, new RegExp(`${type} fusion combines at least 2 modalities, but the config has 1 input \\(image\\)`));
      assert.match(issues[0]!.hint!, /nothing to fuse/);
    }
    for (const type of ['concat', 'sum', 'gated', 'late', 'attention'])
      assert.deepEqual(validateFusion(fusion({ type, dim: 8, heads: 2 }), ['image']), [], type);
  });

  it('attention heads must divide dim', () => {
    const issues = validateFusion(fusion({ type: 'transformer', dim: 30, heads: 4 }), two);
    assert.deepEqual(issues[0]!.path, ['fusion', 'heads']);
    assert.match(issues[0]!.message, /dim 30 is not divisible by 4 heads/);
    assert.match(issues[0]!.hint!, /multiple of 4 \(e.g. 32\)/);
  });

  it('buildModel refuses invalid fusion options with the same messages', () => {
    assert.throws(
      () => buildModel(tinyConfig('{type: film, conditioner: snd, target: snd}'), tinyInputs(), 3),
      (err: unknown) => {
        assert.ok(err instanceof FusionConfigError);
        assert.match(err.message, /^fusion\.conditioner: conditioner and target are both 'snd'/);
        return true;
      },
    );
  });

  it('the schema requires FiLM names and rejects options of other methods', () => {
    assert.throws(() => tinyConfig('{type: film, target: pic}'), /conditioner/);
    assert.throws(() => tinyConfig('{type: sum, rank: 4}'), /rank/);
  });
});

describe('trainer with auxiliary losses', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('steps the multi-output graph and reports the fused loss and accuracy', async () => {
    const config = tinyConfig('{type: late, hidden: [5], aux_loss_weight: 0.5}', 2, ['training.epochs=2', 'training.batch_size=8']);
    const built = buildModel(config, tinyInputs(2), 3);
    built.model.compile({
      optimizer: createOptimizer({ type: 'adam', learning_rate: 0.02 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const split = (n: number, seed: number) => {
      const { xs, ys } = tinyBatch(2, n);
      const features = { pic: xs[0]!.dataSync() as Float32Array, snd: xs[1]!.dataSync() as Float32Array };
      const labels = Int32Array.from(tf.argMax(ys, 1).dataSync());
      tf.dispose([...xs, ys]);
      return { rows: Array.from({ length: n }, (_, i) => i + seed), features, labels };
    };
    const data = {
      state: { version: 1, target: { column: 'label', task: 'classification', classes: ['a', 'b', 'c'] }, inputs: [] },
      train: split(24, 0),
      validation: split(9, 100),
      test: split(9, 200),
    };
    const events: string[] = [];
    const result = await train(config, data as unknown as PreparedData, built, (e) => events.push(e.type));
    assert.equal(result.history.length, 2);
    for (const { metrics } of result.history) {
      assert.ok(metrics['train_total_loss']! > metrics['train_loss']!, JSON.stringify(metrics));
      assert.ok(metrics['train_accuracy']! >= 0 && metrics['train_accuracy']! <= 1);
      assert.ok(Number.isFinite(metrics['val_loss']));
    }
    assert.ok(events.includes('epoch_end'));
    tf.disposeVariables();
  });
});
