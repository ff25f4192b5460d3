/**
 * Fusion at the token level, the checks that need no training (the training ones, saving and the wasm / cpu
 * gradients: token-fusions.test.ts): masking a modality is leaving it out (the same value and gradients as a model
 * without it), the parameter count over sequences, modality dropout masks whole modalities' tokens, the ablation
 * report.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import type { SplitData } from '../../src/data/dataset.js';
import { modalityAblation } from '../../src/evaluate/ablation.js';
import { buildModel, withMasked, type BuiltModel } from '../../src/model/build.js';
import { ModalityTokenGate } from '../../src/model/layers/index.js';
import { ablationTable } from '../../src/ui/sections.js';
import { batch, INPUTS, maxAbs, tokenConfig, WORDS } from './token-helpers.js';

describe('fusions over tokens: masking, parameters, modality dropout, ablation', () => {
  before(async () => {
    await initBackend('wasm');
  });

  /**
   * Masking a modality is leaving it out: with snd masked, the three-input model predicts what the same model built
   * without snd predicts, given the same weights, and every shared weight gets the same gradient. The weights go
   * over in order, snd's own left out; where a shape differs (the modality-type embedding over three modalities,
   * the hidden layer over three pooled slots), the rows of words and pic (`rows`: which, when not the first ones).
   * It does not hold for cross_attention (a pair whose source is masked still carries its target's own tokens,
   * though nothing of the source) nor for the pooled fusions whose gates read every modality (gated): for those
   * the check above, no influence in value and gradient, is the guarantee.
   */
  const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
  const ABSENT: { fusion: string; rows?: number[] }[] = [
    { fusion: '{type: transformer, dim: 8, heads: 2, layers: 2, hidden: [6]}' }, // pooling modality: [words | pic | snd]
    { fusion: '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: mean, hidden: [6]}' },
    { fusion: '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: cls, hidden: [6]}' },
    { fusion: '{type: transformer, dim: 8, heads: 2, layers: 1, pooling: max, hidden: [6]}' },
    { fusion: '{type: attention, dim: 8, heads: 2, hidden: [6]}' },
    { fusion: '{type: attention, dim: 8, heads: 2, pooling: modality, hidden: [6]}' },
    // [words | pic | snd | the bottleneck's mean]
    { fusion: '{type: bottleneck, dim: 8, heads: 2, layers: 2, n_bottleneck: 3, hidden: [6]}', rows: [...range(0, 16), ...range(24, 32)] },
    { fusion: '{type: concat, hidden: [6]}' },
  ];
  for (const { fusion, rows } of ABSENT) {
    it(`${fusion}: a masked modality is the same as none (value, and the gradient of every shared weight)`, async () => {
      const xs = batch();
      const three = buildModel(tokenConfig(fusion), INPUTS, 3);
      const two = buildModel(tokenConfig(fusion, [], ['words', 'pic']), INPUTS.slice(0, 2), 3);
      const shared = three.model.weights.filter(
        (w) => !w.originalName.startsWith('mmx_snd_') && !w.originalName.startsWith('mmx_fusion_snd_'),
      );
      assert.equal(shared.length, two.model.weights.length);
      // the rows of a three-modality weight that the two-modality one holds
      const pick = (t: tf.Tensor, shape: number[]): tf.Tensor => {
        if (t.shape.join() === shape.join()) return t;
        return tf.gather(t, rows && rows.length === shape[0] ? rows : range(0, shape[0]!));
      };
      two.model.setWeights(shared.map((w, i) => pick(w.read(), two.model.weights[i]!.shape as number[])));
      const loss = (m: tf.LayersModel, ins: tf.Tensor[]) => () => tf.sum(tf.mul(m.apply(ins) as tf.Tensor, tf.range(1, 4))) as tf.Scalar;
      const without = two.model.predict(xs.slice(0, 2)) as tf.Tensor;
      const g2 = tf.variableGrads(loss(two.model, xs.slice(0, 2)));
      await withMasked(three, ['snd'], () => {
        const masked = three.model.predict(xs) as tf.Tensor;
        assert.ok(maxAbs(tf.sub(masked, without)) < 1e-5, `prediction differs by ${maxAbs(tf.sub(masked, without))}`);
        const g3 = tf.variableGrads(loss(three.model, xs));
        assert.ok(Math.abs(g3.value.dataSync()[0]! - g2.value.dataSync()[0]!) < 1e-4);
        shared.forEach((w, i) => {
          const w2 = two.model.weights[i]!;
          const a = g3.grads[w.name]!;
          const b = g2.grads[w2.name]!;
          const diff = maxAbs(tf.sub(pick(a, b.shape), b));
          assert.ok(diff < 1e-4 * Math.max(1, maxAbs(b)), `gradient of ${w.originalName} differs by ${diff}`);
        });
        tf.dispose([masked, g3.value, ...Object.values(g3.grads)]);
      });
      // and unmasked, snd changes the prediction (so the check can fail)
      assert.ok(maxAbs(tf.sub(three.model.predict(xs) as tf.Tensor, without)) > 1e-4);
      tf.dispose([without, g2.value, ...Object.values(g2.grads), ...xs]);
      tf.disposeVariables();
    });
  }

  it('parameters over sequences: positions per modality with more than one token, one type vector per modality', () => {
    // words 6 tokens, pic 4, snd 6, each of size 8, dim 4, one block of ff_dim 6, pooling modality (the default:
    // each modality's mean side by side, 3·4 features), hidden [5]:
    //   projections 3·(8+1)·4 = 108, positions (6 + 4 + 6)·4 = 64, types 3·4 = 12,
    //   block 4(16+4) + 2·2·4 + (4+1)·6 + (6+1)·4 = 80 + 16 + 30 + 28 = 154, final layer norm 8, hidden (12+1)·5 = 65,
    //   head (5+1)·3 = 18
    const built = buildModel(tokenConfig('{type: transformer, dim: 4, heads: 2, layers: 1, ff_dim: 6, hidden: [5]}'), INPUTS, 3);
    const fusion = built.model.layers.filter((l) => l.name.startsWith('mmx_fusion_') || l.name.startsWith('mmx_head_'));
    assert.equal(
      fusion.reduce((n, l) => n + l.countParams(), 0),
      108 + 64 + 12 + 154 + 8 + 65 + 18,
    );
    tf.disposeVariables();
  });

  it('modality dropout masks whole modalities’ tokens at the rate in training, never at inference', () => {
    const built = buildModel(tokenConfig('{type: transformer, dim: 8, heads: 2, modality_dropout: 0.3}'), INPUTS, 3);
    const gates = built.model.layers.filter((l): l is ModalityTokenGate => l instanceof ModalityTokenGate);
    assert.deepEqual(
      gates.map((g) => g.rate),
      [0.3, 0.3, 0.3],
    );
    tf.disposeVariables();
    const gate = new ModalityTokenGate({ rate: 0.3, seed: 5, name: 'gate' });
    const ids = tf.tile(tf.tensor2d([[4, 5, 0]]), [4000, 1]);
    const seq = tf.zeros([4000, 3, 2]);
    const trained = gate.apply([seq, ids], { training: true }) as tf.Tensor;
    const rows = trained.arraySync() as number[][];
    const dropped = rows.filter((r) => r.every((v) => v === 0)).length;
    assert.ok(
      rows.every((r) => r.join() === '0,0,0' || r.join() === '1,1,0'),
      'a modality is dropped whole; padding stays masked',
    );
    assert.ok(Math.abs(dropped - 1200) < 120, `dropped ${dropped} of 4000`);
    assert.notDeepEqual(gate.apply([seq, ids], { training: true }).toString(), trained.toString());
    assert.deepEqual((gate.apply([seq, ids]) as tf.Tensor).arraySync(), new Array(4000).fill([1, 1, 0]));
    assert.deepEqual(((gate.apply(seq) as tf.Tensor).arraySync() as number[][])[0], [1, 1, 1]);
    gate.setMasked(true);
    assert.deepEqual(((gate.apply([seq, ids]) as tf.Tensor).arraySync() as number[][])[0], [0, 0, 0]);
  });

  it('dropout inside the transformer blocks (the fusions, the patch and text transformer encoders) draws a new mask every batch', () => {
    // tfjs's own dropout layer, given a seed, draws the same mask on every call: the blocks must use mmx's
    const cases: [string, string[]][] = [];
    for (const fusion of [
      '{type: transformer, dim: 8, heads: 2, layers: 1, hidden: []}',
      '{type: cross_attention, dim: 8, heads: 2, layers: 1, hidden: []}',
      '{type: bottleneck, dim: 8, heads: 2, layers: 1, n_bottleneck: 2, hidden: []}',
    ]) {
      // only the fusion's blocks drop, then only the encoders' (text transformer, patch)
      cases.push([fusion, ['fusion.attention_dropout=0.5']]);
      cases.push([
        fusion,
        ['fusion.attention_dropout=0', 'inputs.words.encoder.attention_dropout=0.5', 'inputs.pic.encoder.attention_dropout=0.5'],
      ]);
    }
    for (const [fusion, overrides] of cases) {
      const what = `${fusion} ${overrides.join(' ')}`;
      const built = buildModel(tokenConfig(fusion, overrides), INPUTS, 3);
      const stock = built.model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.name);
      assert.deepEqual(stock, [], `${what}: tfjs dropout layers`);
      const xs = batch();
      const run = (training: boolean) => tf.tidy(() => Array.from((built.model.apply(xs, { training }) as tf.Tensor).dataSync()));
      assert.notDeepEqual(run(true), run(true), `${what}: two training batches, two masks`);
      assert.deepEqual(run(false), run(false), `${what}: no dropout at inference`);
      tf.dispose(xs);
      tf.disposeVariables();
    }
  });

  it('the ablation report: one row per modality, masking "tokens", the same columns as for a pooled fusion', async () => {
    const n = 8;
    const split = (xs: tf.Tensor[]): SplitData => ({
      rows: Array.from({ length: n }, (_, i) => i),
      labels: Int32Array.from({ length: n }, (_, i) => i % 3),
      targets: Float32Array.from(
        tf
          .oneHot(
            tf.tensor1d(
              Array.from({ length: n }, (_, i) => i % 3),
              'int32',
            ),
            3,
          )
          .dataSync(),
      ),
      features: Object.fromEntries(INPUTS.map((inp, i) => [inp.name, Float32Array.from(xs[i]!.dataSync())])),
    });
    const xs = [
      tf.tile(tf.tensor2d(WORDS), [2, 1]),
      tf.randomUniform([n, 8, 8, 1], 0, 1, 'float32', 3),
      tf.randomNormal([n, 12, 5], 0, 1, 'float32', 4),
    ];
    const rowsOf = async (built: BuiltModel) => {
      const full = { split: 'test', metrics: { accuracy: 0.5 }, perClass: [], labels: [], confusion: [] };
      const rows = await modalityAblation(built, split(xs), ['a', 'b', 'c'], ['accuracy'], full);
      tf.disposeVariables();
      return rows;
    };
    const tokenRows = await rowsOf(buildModel(tokenConfig('{type: bottleneck, dim: 8, heads: 2}'), INPUTS, 3));
    const pooledRows = await rowsOf(buildModel(tokenConfig('{type: concat}'), INPUTS, 3));
    assert.deepEqual(
      tokenRows.map((r) => [r.modality, r.masking]),
      [
        ['words', 'tokens'],
        ['pic', 'tokens'],
        ['snd', 'tokens'],
      ],
    );
    assert.deepEqual(
      pooledRows.map((r) => [r.modality, r.masking]),
      [
        ['words', 'zero'],
        ['pic', 'zero'],
        ['snd', 'zero'],
      ],
    );
    for (const r of [...tokenRows, ...pooledRows]) {
      assert.deepEqual(Object.keys(r.metrics), Object.keys(pooledRows[0]!.metrics));
      assert.deepEqual(Object.keys(r.drop), ['accuracy']);
      assert.ok(Math.abs(r.drop['accuracy']! - (0.5 - r.metrics['accuracy']!)) < 1e-12);
    }
    const table = ablationTable({
      split: 'test',
      metrics: { accuracy: 0.5 },
      perClass: [],
      labels: [],
      confusion: [],
      ablation: tokenRows,
    });
    assert.ok(table && table.rows.length === 3);
  });
});
