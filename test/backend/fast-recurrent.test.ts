/**
 * mmx's recurrent layers (FastLSTM, FastGRU) against tf.layers.lstm / tf.layers.gru with the same weights:
 * outputs and gradients (PAD-masked post and pre padding, an all-PAD row, stacked with returnSequences, inside
 * tf.layers.bidirectional, unmasked float input), on wasm and cpu; save/load under their own class names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FastGRU } from '../../src/model/layers/fast-gru.js';
import { FastLSTM } from '../../src/model/layers/fast-lstm.js';
import { randomArray, relMaxDiff, use } from './helpers.js';

const T = 9;
const TOKENS = [
  [3, 4, 5, 0, 0, 0, 0, 0, 0], // post padding
  [1, 2, 3, 4, 5, 6, 7, 8, 9], // no padding
  [0, 0, 0, 0, 0, 0, 0, 0, 0], // all PAD
  [0, 0, 0, 0, 0, 7, 8, 2, 1], // pre padding
  [7, 0, 0, 0, 0, 0, 0, 0, 0],
];

/** what the tests pass to either layer */
interface RecurrentArgs {
  units: number;
  returnSequences: boolean;
  name: string;
  kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform>;
  recurrentInitializer: ReturnType<typeof tf.initializers.glorotUniform>;
}

interface Kind {
  /** LSTM | GRU */
  name: string;
  /** the class name mmx registers and saves */
  className: string;
  fast: new (args: RecurrentArgs) => tf.layers.Layer;
  stock: (args: RecurrentArgs) => tf.layers.Layer;
}

const KINDS: Kind[] = [
  { name: 'LSTM', className: 'MmxLSTM', fast: FastLSTM, stock: (a) => tf.layers.lstm(a) },
  { name: 'GRU', className: 'MmxGRU', fast: FastGRU, stock: (a) => tf.layers.gru(a) },
];

function recurrent(kind: Kind, fast: boolean, units: number, returnSequences: boolean, seed: number, name: string): tf.layers.Layer {
  const args = {
    units,
    returnSequences,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  };
  return fast ? new kind.fast(args) : kind.stock(args);
}

/** embedding (PAD masked) → [RNN(5, sequences)] → RNN(7) */
function tokenModel(kind: Kind, fast: boolean, stacked: boolean): tf.LayersModel {
  const inp = tf.input({ shape: [T] });
  let h = tf.layers
    .embedding({
      inputDim: 12,
      outputDim: 6,
      maskZero: true,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }),
      name: 'emb',
    })
    .apply(inp) as tf.SymbolicTensor;
  if (stacked) h = recurrent(kind, fast, 5, true, 10, 'rnn_a').apply(h) as tf.SymbolicTensor;
  h = recurrent(kind, fast, 7, false, 20, 'rnn_b').apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: h });
}

/** embedding (PAD masked) → bidirectional RNN(4, concat) [→ bidirectional RNN(3)] */
function biModel(kind: Kind, fast: boolean, stacked: boolean): tf.LayersModel {
  const inp = tf.input({ shape: [T] });
  let h = tf.layers
    .embedding({
      inputDim: 12,
      outputDim: 6,
      maskZero: true,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }),
      name: 'emb',
    })
    .apply(inp) as tf.SymbolicTensor;
  if (stacked) {
    h = tf.layers
      .bidirectional({ layer: recurrent(kind, fast, 4, true, 40, 'cell_a') as unknown as tf.RNN, mergeMode: 'concat', name: 'bi_a' })
      .apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers
    .bidirectional({ layer: recurrent(kind, fast, 3, false, 50, 'cell_b') as unknown as tf.RNN, mergeMode: 'concat', name: 'bi_b' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: h });
}

/** float frames (no mask) → RNN(6) */
function frameModel(kind: Kind, fast: boolean): tf.LayersModel {
  const inp = tf.input({ shape: [T, 4] });
  return tf.model({ inputs: inp, outputs: recurrent(kind, fast, 6, false, 30, 'rnn_f').apply(inp) as tf.SymbolicTensor });
}

interface Result {
  out: Float32Array;
  grads: Float32Array[];
  names: string[];
}

/** Output and the gradients (w.r.t. every trainable weight) of a non-trivial function of it. */
function evaluate(model: tf.LayersModel, x: tf.Tensor): Result {
  return tf.tidy(() => {
    const out = (model.apply(x) as tf.Tensor).dataSync().slice() as Float32Array;
    const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const { grads } = tf.variableGrads(() => {
      const y = model.apply(x) as tf.Tensor;
      return y
        .mul(tf.range(1, y.shape[1]! + 1))
        .sin()
        .sum() as tf.Scalar;
    }, vars);
    return {
      out,
      grads: vars.map((v) => grads[v.name]!.dataSync().slice() as Float32Array),
      names: model.trainableWeights.map((w) => w.originalName),
    };
  });
}

async function compare(backend: 'wasm' | 'cpu', make: (fast: boolean) => tf.LayersModel, input: () => tf.Tensor): Promise<void> {
  await use(backend);
  const reference = make(false);
  const fast = make(true);
  fast.setWeights(reference.getWeights());
  const x = input();
  const a = evaluate(reference, x);
  const b = evaluate(fast, x);
  assert.deepEqual(b.names, a.names, 'same weights under the same names');
  assert.ok(relMaxDiff(b.out, a.out) < 1e-5, `output: rel diff ${relMaxDiff(b.out, a.out)}`);
  for (let i = 0; i < a.grads.length; i++) {
    assert.ok(relMaxDiff(b.grads[i]!, a.grads[i]!) < 1e-5, `gradient of ${a.names[i]}: rel diff ${relMaxDiff(b.grads[i]!, a.grads[i]!)}`);
  }
  tf.dispose(x);
  reference.dispose();
  fast.dispose();
}

for (const kind of KINDS)
  describe(`Fast${kind.name} (mmx) vs tf.layers.${kind.name.toLowerCase()}`, () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      it(`${backend}: same outputs and gradients, PAD masked (post, pre, all-PAD rows)`, async () => {
        await compare(
          backend,
          (fast) => tokenModel(kind, fast, false),
          () => tf.tensor2d(TOKENS),
        );
      });
      it(`${backend}: stacked, the first returning sequences (its mask passed on)`, async () => {
        await compare(
          backend,
          (fast) => tokenModel(kind, fast, true),
          () => tf.tensor2d(TOKENS),
        );
      });
      it(`${backend}: inside tf.layers.bidirectional (goBackwards), single and stacked`, async () => {
        await compare(
          backend,
          (fast) => biModel(kind, fast, false),
          () => tf.tensor2d(TOKENS),
        );
        await compare(
          backend,
          (fast) => biModel(kind, fast, true),
          () => tf.tensor2d(TOKENS),
        );
      });
      it(`${backend}: unmasked float input, batch 1 and batch 3`, async () => {
        await compare(
          backend,
          (fast) => frameModel(kind, fast),
          () => tf.tensor3d(randomArray(T * 4, 5), [1, T, 4]),
        );
        await compare(
          backend,
          (fast) => frameModel(kind, fast),
          () => tf.tensor3d(randomArray(3 * T * 4, 6), [3, T, 4]),
        );
      });
    }

    it(`masks like tf.layers.${kind.name.toLowerCase()}: post and pre padding give the same last state`, async () => {
      await use('wasm');
      const m = tokenModel(kind, true, false);
      const y = (
        m.predict(
          tf.tensor2d([
            [3, 4, 5, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 3, 4, 5],
          ]),
        ) as tf.Tensor
      ).arraySync() as number[][];
      assert.ok(relMaxDiff(y[0]!, y[1]!) < 1e-6);
      m.dispose();
    });

    it('trains a step without leaking tensors', async () => {
      await use('wasm');
      const m = tokenModel(kind, true, true);
      const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [7], units: 1 })] });
      const model = tf.model({ inputs: m.inputs, outputs: head.apply(m.outputs[0]!) as tf.SymbolicTensor });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      const x = tf.tensor2d(TOKENS);
      const y = tf.tensor2d([[1], [0], [0.5], [1], [0]]);
      const first = (await model.trainOnBatch(x, y)) as number;
      const before = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 20; i++) last = (await model.trainOnBatch(x, y)) as number;
      assert.equal(tf.memory().numTensors, before);
      assert.ok(last < first, `loss ${first} → ${last}`);
      tf.dispose([x, y]);
    });

    it(`saves and loads as ${kind.className} with the same weights and outputs`, async () => {
      await use('wasm');
      const m = tokenModel(kind, true, true);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await m.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      assert.ok(JSON.stringify(artifacts!.modelTopology).includes(`"${kind.className}"`));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      const x = tf.tensor2d(TOKENS);
      const a = (m.predict(x) as tf.Tensor).dataSync();
      const b = (loaded.predict(x) as tf.Tensor).dataSync();
      assert.ok(relMaxDiff(b, a) === 0);
      assert.deepEqual(loaded.getLayer('rnn_a').getConfig()['units'], 5);
      tf.dispose(x);
    });

    it('keeps its seeded initializers through a config round trip (tf.layers.bidirectional clones it that way)', async () => {
      await use('wasm');
      const a = recurrent(kind, true, 4, false, 77, 'a');
      const b = tf.serialization.SerializationMap.getMap().classNameMap[kind.className]!;
      const clone = b[1](b[0], a.getConfig()) as unknown as tf.layers.Layer;
      a.build([null, T, 6]);
      clone.build([null, T, 6]);
      const wa = a.getWeights().map((w) => w.dataSync());
      const wb = clone.getWeights().map((w) => w.dataSync());
      for (let i = 0; i < wa.length; i++) assert.deepEqual(wb[i], wa[i]);
    });
  });
