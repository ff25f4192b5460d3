/**
 * Fusion at the token level (the attention layer itself: attention.unit.test.ts; masking is leaving out, parameters,
 * modality dropout, the ablation report: token-fusions.unit.test.ts): the fusions over token sequences (attention,
 * transformer, cross_attention, bottleneck) and the pooled fusions fed sequences build, train on wasm, and a masked
 * modality has no influence on the output, in value and gradient; token models save and load back; wasm and cpu
 * agree on the gradients.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { buildModel, compileModel, createOptimizer, withMasked } from '../../src/model/build.js';
import { saveAndLoad } from '../helpers/saved-model.js';
import { batch, INPUTS, maxAbs, tokenConfig } from './token-helpers.js';

const FUSIONS = [
  '{type: attention, dim: 8, heads: 2, hidden: [6]}',
  '{type: attention, dim: 8, heads: 2, pooling: concat, hidden: [6]}',
  '{type: transformer, dim: 8, heads: 2, layers: 2, hidden: [6]}',
  '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: cls, hidden: [6]}',
  '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: max, hidden: [6]}',
  '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: modality, hidden: [6]}',
  '{type: attention, dim: 8, heads: 2, pooling: modality, hidden: [6]}',
  '{type: cross_attention, dim: 8, heads: 2, layers: 2, hidden: [6]}',
  '{type: bottleneck, dim: 8, heads: 2, layers: 2, n_bottleneck: 3, hidden: [6]}',
  // pooled fusions: each sequence mean-pooled over its real steps first
  '{type: concat, hidden: [6]}',
  '{type: gated, dim: 8, hidden: [6]}',
];

describe('fusions over tokens', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const f of FUSIONS) {
    it(`${f}: builds over the sequences, trains on wasm, and a masked modality has no influence (value and gradient)`, async () => {
      const built = buildModel(tokenConfig(f), INPUTS, 3);
      assert.deepEqual(built.sequenceLengths, { words: 6, pic: 4, snd: 6 });
      assert.deepEqual(built.model.outputs[0]!.shape, [null, 3]);
      const xs = batch();
      const predict = (inputs: tf.Tensor[]) => (built.model.predict(inputs) as tf.Tensor).arraySync() as number[][];
      const full = predict(xs);
      assert.ok(full.flat().every(Number.isFinite), 'finite, the empty text included');

      for (const name of ['pic', 'snd', 'words']) {
        const i = INPUTS.findIndex((x) => x.name === name);
        const other = [...xs];
        other[i] =
          name === 'words'
            ? tf.tensor2d([
                [9, 9, 9, 9, 9, 9],
                [3, 0, 0, 0, 0, 0],
                [4, 4, 0, 0, 0, 0],
                [1, 1, 1, 1, 1, 1],
              ])
            : tf.randomNormal(xs[i]!.shape, 0, 3, 'float32', 77);
        // unmasked, the modality changes the prediction
        assert.notDeepEqual(predict(other), full, `${name} has an influence when present`);
        await withMasked(built, [name], () => {
          // value: whatever the masked modality holds, the prediction is the same
          assert.deepEqual(predict(other), predict(xs), `${name} masked`);
          // gradient: nothing flows into the masked modality's input or its encoder's weights
          if (name !== 'words') {
            const g = tf.grad((x: tf.Tensor) => {
              const ins = [...xs];
              ins[i] = x;
              return tf.sum(built.model.apply(ins) as tf.Tensor);
            })(xs[i]!);
            assert.equal(maxAbs(g), 0, `gradient into ${name}`);
          }
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(built.model.apply(xs) as tf.Tensor, tf.range(1, 4))) as tf.Scalar);
          value.dispose();
          const own = Object.entries(grads).filter(([v]) => v.startsWith(`mmx_${name}_`));
          assert.ok(own.length > 0);
          for (const [v, t] of own) assert.equal(maxAbs(t), 0, `gradient of ${v}`);
          const others = Object.entries(grads).filter(
            ([v]) => v.startsWith('mmx_') && !v.startsWith(`mmx_${name}_`) && !v.startsWith('mmx_fusion') && !v.startsWith('mmx_head'),
          );
          assert.ok(
            others.some(([, t]) => maxAbs(t) > 0),
            'the other encoders still learn',
          );
          tf.dispose(Object.values(grads));
        });
        // the unmasked input's gradient is not zero (so the check above can fail)
        if (name !== 'words') {
          const g = tf.grad((x: tf.Tensor) => {
            const ins = [...xs];
            ins[i] = x;
            return tf.sum(tf.mul(built.model.apply(ins) as tf.Tensor, tf.range(1, 4)));
          })(xs[i]!);
          assert.ok(maxAbs(g) > 0, `gradient into ${name} when present`);
        }
      }
      // everything masked: still a prediction (the head's bias), the same for every input
      await withMasked(built, ['words', 'pic', 'snd'], () => {
        const p = predict(xs);
        assert.ok(p.flat().every(Number.isFinite));
        assert.deepEqual(p[0], p[3]);
      });
      compileModel(built, createOptimizer({ type: 'adam', learning_rate: 0.02 }));
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
      // the loss at inference (no dropout: a training step's loss moves with its dropout mask) before and after
      const loss = (): number =>
        tf.tidy(() => {
          const r = built.model.evaluate(xs, ys);
          return (Array.isArray(r) ? r[0]! : r).dataSync()[0]!;
        });
      const first = loss();
      for (let s = 0; s < 6; s++) await built.model.trainOnBatch(xs, ys);
      const last = loss();
      assert.ok(last < first, `loss ${first} → ${last}`);
      tf.disposeVariables();
    });
  }

  it('models over tokens (patch, text and cnn1d sequences; every token fusion) save and load back, predicting the same', async () => {
    for (const f of [
      '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: cls}',
      '{type: transformer, dim: 8, heads: 2, layers: 1}',
      '{type: cross_attention, dim: 8, heads: 2, layers: 1}',
      '{type: bottleneck, dim: 8, heads: 2, layers: 2, n_bottleneck: 2}',
      '{type: concat}',
    ]) {
      const built = buildModel(tokenConfig(f), INPUTS, 3);
      compileModel(built, createOptimizer({ type: 'adam', learning_rate: 0.05 }));
      const xs = batch();
      await built.model.trainOnBatch(xs, tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3));
      const loaded = await saveAndLoad(built.model);
      const diff = maxAbs(tf.sub(loaded.predict(xs) as tf.Tensor, built.model.predict(xs) as tf.Tensor));
      assert.ok(diff < 1e-5, `${f}: predictions differ by ${diff}`);
      tf.disposeVariables();
    }
  });
});

describe('token fusions: gradients on wasm and cpu agree', () => {
  for (const f of [
    '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: cls, hidden: [6]}',
    '{type: cross_attention, dim: 8, heads: 2, layers: 1, hidden: [6]}',
    '{type: bottleneck, dim: 8, heads: 2, layers: 1, n_bottleneck: 2, hidden: [6]}',
  ]) {
    it(`${f}: every weight's gradient matches`, async () => {
      const grads = async (backend: 'wasm' | 'cpu'): Promise<Map<string, Float32Array>> => {
        await initBackend(backend);
        const built = buildModel(tokenConfig(f), INPUTS, 3);
        const xs = batch(3);
        const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
        const { value, grads: g } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(ys, built.model.apply(xs, { training: true }) as tf.Tensor).mean() as tf.Scalar,
        );
        // tfjs numbers variables uniquely across models (name_13, name_14, ...): compare by the name without it
        const out = new Map(
          built.model.trainableWeights.map((w) => [w.name.replace(/_\d+$/, ''), g[w.name]!.dataSync().slice() as Float32Array]),
        );
        tf.dispose([value, ...xs, ys, ...Object.values(g)]);
        tf.disposeVariables();
        return out;
      };
      const onWasm = await grads('wasm');
      const onCpu = await grads('cpu');
      await initBackend('wasm');
      assert.deepEqual([...onWasm.keys()], [...onCpu.keys()]);
      for (const [name, g] of onWasm) {
        const c = onCpu.get(name)!;
        const scale = Math.max(...Array.from(c, Math.abs));
        const diff = Math.max(...Array.from(g, (v, j) => Math.abs(v - c[j]!)));
        // + 1e-6 absolute: the key bias's true gradient is 0 (softmax ignores a shift shared by all keys), so both
        // backends give rounding noise there
        assert.ok(diff <= 1e-3 * scale + 1e-6, `${name}: difference ${diff} at scale ${scale}`);
      }
    });
  }
});
