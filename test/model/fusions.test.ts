/**
 * Every fusion method builds for two and three modalities with the output shape and parameter count of its
 * published formulation (hand-computed below on tiny dims), and a few optimiser steps lower the loss on wasm.
 *
 * Embedding sizes (see helpers.ts): pic E=8, snd E=6, pic2 E=4; ΣE = 14 (two inputs) or 18 (three).
 * Unless a case says otherwise: hidden [5], 3 classes, so after a fused vector of F features come the hidden
 * layer (F+1)·5 and the head (5+1)·3 = 18:  H(F) = 5F + 5 + 18 = 5F + 23.
 * Projections to dim d cost Σ(E_m+1)·d: with d = 4 that is (9+7)·4 = 64 (two) or (9+7+5)·4 = 84 (three).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { buildModel, compileModel, createOptimizer } from '../../src/model/build.js';
import { fusionTypes } from '../../src/model/fusions/index.js';
import { ENCODER_PARAMS, fusionParams, gateParams, tinyBatch, tinyConfig, tinyInputs } from './helpers.js';

const H = (f: number): number => 5 * f + 23;

interface Case {
  fusion: string;
  /** fusion + head parameters for two and three modalities */
  params: [number, number];
}

const CASES: Case[] = [
  // no projection: F = ΣE
  { fusion: '{type: concat, hidden: [5]}', params: [H(14), H(18)] },
  // each to 4, then concat: F = 4M
  { fusion: '{type: concat, dim: 4, hidden: [5]}', params: [64 + H(8), 84 + H(12)] },
  { fusion: '{type: sum, dim: 4, hidden: [5]}', params: [64 + H(4), 84 + H(4)] },
  { fusion: '{type: mean, dim: 4, hidden: [5]}', params: [64 + H(4), 84 + H(4)] },
  { fusion: '{type: max, dim: 4, hidden: [5]}', params: [64 + H(4), 84 + H(4)] },
  { fusion: '{type: product, dim: 4, hidden: [5]}', params: [64 + H(4), 84 + H(4)] },
  // tokens 64|84 (one per modality: no position embeddings), type embeddings M·4 = 8|12, attention 4(d² + d) = 4·20 = 80,
  // mean pooling F = 4
  { fusion: '{type: attention, dim: 4, heads: 2, hidden: [5]}', params: [64 + 8 + 80 + H(4), 84 + 12 + 80 + H(4)] },
  // concat pooling: F = 4M
  {
    fusion: '{type: attention, dim: 4, heads: 2, pooling: concat, hidden: [5]}',
    params: [64 + 8 + 80 + H(8), 84 + 12 + 80 + H(12)],
  },
  // candidates tanh 64|84; gate from [x_1..x_M] (ΣE+1): M=2 sigmoid one gate of 4: 15·4 = 60; M=3 one per modality: 19·12 = 228
  { fusion: '{type: gated, dim: 4, hidden: [5]}', params: [64 + 60 + H(4), 84 + 228 + H(4)] },
  // softmax gate: (ΣE+1)·M·d = 15·8 = 120 | 19·12 = 228
  { fusion: '{type: gated, dim: 4, gate: softmax, hidden: [5]}', params: [64 + 120 + H(4), 84 + 228 + H(4)] },
  // projections to 3: (9+7)·3 = 48 | 21·3 = 63; F = (3+1)^M = 16 | 64
  { fusion: '{type: tensor, dim: 3, hidden: [5]}', params: [48 + H(16), 63 + H(64)] },
  // factors Σ(E+1)·r·d = 16·2·4 = 128 | 21·8 = 168; λ r = 2; bias d = 4; F = 4
  { fusion: '{type: low_rank_tensor, dim: 4, rank: 2, hidden: [5]}', params: [128 + 2 + 4 + H(4), 168 + 2 + 4 + H(4)] },
  // γ, β: 2·(E_snd+1)·E_pic = 2·7·8 = 112; F = E_pic = 8 | 8 + E_pic2 = 12 (pic2 concatenated after)
  { fusion: '{type: film, conditioner: snd, target: pic, hidden: [5]}', params: [112 + H(8), 112 + H(12)] },
  // target projected to 4: 9·4 = 36; γ, β: 2·7·4 = 56; F = 4 | 4 + 4
  { fusion: '{type: film, conditioner: snd, target: pic, dim: 4, hidden: [5]}', params: [36 + 56 + H(4), 36 + 56 + H(8)] },
  // factor projections Σ(E+1)·k·o = 16·2·4 = 128 | 21·8 = 168; pooled F = o = 4
  { fusion: '{type: bilinear, dim: 4, factor: 2, hidden: [5]}', params: [128 + H(4), 168 + H(4)] },
  // per modality (E+1)·5 + (5+1)·3: pic 45+18, snd 35+18, pic2 25+18; no separate head
  { fusion: '{type: late, hidden: [5]}', params: [63 + 53, 63 + 53 + 43] },
  // learned weights: + M logits; aux outputs add no parameters
  { fusion: '{type: late, hidden: [5], weights: learned, aux_loss_weight: 0.5}', params: [63 + 53 + 2, 63 + 53 + 43 + 3] },
  // tokens 64|84; type embeddings M·4 = 8|12; cls 4; one block: attention 80 + 2 layer norms 2·2·4 = 16
  //   + feed-forward (4+1)·8 + (8+1)·4 = 40 + 36 (ff_dim = 2·dim = 8); the final layer norm 8; cls pooling F = 4
  {
    fusion: '{type: transformer, dim: 4, heads: 2, layers: 1, pooling: cls, hidden: [5]}',
    params: [64 + 8 + 4 + 172 + 8 + H(4), 84 + 12 + 4 + 172 + 8 + H(4)],
  },
  // two blocks, ff_dim 6: block = 80 + 16 + 5·6 + 7·4 = 154; final layer norm 8; mean pooling (no cls)
  {
    fusion: '{type: transformer, dim: 4, heads: 2, layers: 2, ff_dim: 6, pooling: mean, hidden: [5]}',
    params: [64 + 8 + 308 + 8 + H(4), 84 + 12 + 308 + 8 + H(4)],
  },
  // modality pooling: each modality's mean side by side, F = 4M
  {
    fusion: '{type: transformer, dim: 4, heads: 2, layers: 2, ff_dim: 6, pooling: modality, hidden: [5]}',
    params: [64 + 8 + 308 + 8 + H(8), 84 + 12 + 308 + 8 + H(12)],
  },
  // tokens 64|84; per ordered pair (2|6 of them) one pre-norm cross block: layer norms on the queries, the source and
  //   before the feed-forward 3·2·4 = 24, attention 80, feed-forward (4+1)·6 + (6+1)·4 = 58, final layer norm 8: 170;
  //   F = pairs·4 = 8|24
  {
    fusion: '{type: cross_attention, dim: 4, heads: 2, layers: 1, ff_dim: 6, hidden: [5]}',
    params: [64 + 2 * 170 + H(8), 84 + 6 * 170 + H(24)],
  },
  // tokens 64|84; bottleneck tokens B·d = 2·4 = 8; per modality and layer one pre-norm block 2·8 + 80 + 58 = 154;
  //   final layer norms 8 per modality and 8 for the bottleneck; F = (M + 1)·4 = 12|16
  {
    fusion: '{type: bottleneck, dim: 4, heads: 2, layers: 1, n_bottleneck: 2, ff_dim: 6, hidden: [5]}',
    params: [64 + 8 + 2 * 154 + 2 * 8 + 8 + H(12), 84 + 8 + 3 * 154 + 3 * 8 + 8 + H(16)],
  },
];

describe('fusion methods', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('every registered method has a case here', () => {
    const covered = new Set(CASES.map((c) => /type: (\w+)/.exec(c.fusion)![1]));
    assert.deepEqual(
      [...fusionTypes].filter((t) => !covered.has(t)),
      [],
    );
    assert.equal(fusionTypes.length, 15);
  });

  for (const c of CASES) {
    for (const m of [2, 3] as const) {
      it(`${c.fusion} with ${m} modalities: shapes and parameter count`, () => {
        const built = buildModel(tinyConfig(c.fusion, m), tinyInputs(m), 3);
        const { model } = built;
        assert.deepEqual(
          model.outputs.map((o) => o.shape),
          [[null, 3]],
        );
        assert.equal(fusionParams(model), c.params[m - 2]);
        // the modality gates have no weights (no learned missing embeddings: token methods mask tokens)
        assert.equal(gateParams(model), 0);
        const encoders = ENCODER_PARAMS.pic + ENCODER_PARAMS.snd + (m === 3 ? ENCODER_PARAMS.pic2 : 0);
        assert.equal(model.countParams(), encoders + c.params[m - 2]!);
        assert.deepEqual(
          Object.keys(built.masks),
          tinyInputs(m).map((i) => i.name),
        );
        tf.disposeVariables();
      });
    }
  }

  for (const c of CASES) {
    it(`${c.fusion}: a few optimiser steps on wasm lower the loss`, async () => {
      const m = c.fusion.includes('late') ? 3 : 2;
      const built = buildModel(tinyConfig(c.fusion, m), tinyInputs(m), 3);
      compileModel(built, createOptimizer({ type: 'adam', learning_rate: 0.02 }));
      const stepped = built.training?.model ?? built.model;
      const { xs, ys } = tinyBatch(m);
      const target = stepped.outputs.length > 1 ? stepped.outputs.map(() => ys) : ys;
      // the loss at inference (no dropout: a training step's loss moves with its dropout mask) before and after
      const loss = (): number =>
        tf.tidy(() => {
          const r = stepped.evaluate(xs, target);
          return (Array.isArray(r) ? r[0]! : r).dataSync()[0]!;
        });
      const first = loss();
      for (let i = 0; i < 7; i++) await stepped.trainOnBatch(xs, target);
      const last = loss();
      assert.ok(Number.isFinite(first) && last < first, `loss ${first} → ${last}`);
      tf.dispose([...xs, ys]);
      tf.disposeVariables();
    });
  }

  it('late fusion with auxiliary losses trains 1 + M outputs; the model predicts with one', () => {
    const built = buildModel(tinyConfig('{type: late, hidden: [5], aux_loss_weight: 0.3}', 3), tinyInputs(3), 3);
    assert.equal(built.predictor, built.model);
    assert.equal(built.model.outputs.length, 1);
    assert.ok(built.training);
    assert.equal(built.training.model.outputs.length, 4);
    assert.deepEqual(built.training.lossWeights, [1, 0.3, 0.3, 0.3]);
    assert.deepEqual(built.training.auxiliary, ['pic', 'snd', 'pic2']);
    // the same weights: the training graph adds no layer
    assert.equal(built.training.model.countParams(), built.model.countParams());
    tf.disposeVariables();
    // no auxiliary loss: nothing extra to train
    assert.equal(buildModel(tinyConfig('{type: late}', 2), tinyInputs(2), 3).training, undefined);
    tf.disposeVariables();
  });

  it('one modality: element-wise and token methods reduce to their single input', () => {
    for (const f of [
      '{type: concat}',
      '{type: sum, dim: 4}',
      '{type: gated, dim: 4}',
      '{type: attention, dim: 4, heads: 2}',
      '{type: late}',
      '{type: tensor, dim: 3}',
    ]) {
      const { model } = buildModel(tinyConfig(f, 1), tinyInputs(1), 3);
      assert.deepEqual(model.outputs[0]!.shape, [null, 3], f);
      tf.disposeVariables();
    }
  });
});
