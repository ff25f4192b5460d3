/**
 * The attention layer that every encoder and fusion over tokens shares (src/model/layers/multi-head-attention.ts)
 * and the token fusions' small layers: cross-attention against a hand-computed case, two heads with biases and key
 * masks against a plain-loop reference, no gradient into a masked key, the modality-type embedding with segments,
 * the bottleneck merge. No data, no training: the unit tier.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { BottleneckMerge, ModalityTypeEmbedding, MultiHeadAttention } from '../../src/model/layers/index.js';

const maxAbs = (t: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);

/** Plain-loop multi-head attention: out = concat_h(softmax(q_h k_hᵀ/√dh + mask) v_h) W_o + b_o, rows of keys all masked → b_o. */
function referenceAttention(
  x: number[][][],
  s: number[][][],
  mask: number[][],
  w: { q: number[][]; k: number[][]; v: number[][]; o: number[][]; bq: number[]; bk: number[]; bv: number[]; bo: number[] },
  heads: number,
): number[][][] {
  const lin = (row: number[], m: number[][], b: number[]) => b.map((bj, j) => bj + row.reduce((acc, r, i) => acc + r * m[i]![j]!, 0));
  const d = w.q[0]!.length;
  const dh = d / heads;
  return x.map((xb, b) => {
    const q = xb.map((r) => lin(r, w.q, w.bq));
    const k = s[b]!.map((r) => lin(r, w.k, w.bk));
    const v = s[b]!.map((r) => lin(r, w.v, w.bv));
    return q.map((qi) => {
      const merged = new Array<number>(d).fill(0);
      for (let h = 0; h < heads; h++) {
        const real = k.map((_, j) => mask[b]![j] !== 0);
        const scores = k.map((kj, j) =>
          real[j] ? qi.slice(h * dh, (h + 1) * dh).reduce((a, qv, t) => a + qv * kj[h * dh + t]!, 0) / Math.sqrt(dh) : -Infinity,
        );
        const top = Math.max(...scores);
        const e = scores.map((sc) => (sc === -Infinity ? 0 : Math.exp(sc - top)));
        const z = e.reduce((a, c) => a + c, 0);
        for (let t = 0; t < dh; t++) merged[h * dh + t] = z === 0 ? 0 : v.reduce((a, vj, j) => a + (e[j]! / z) * vj[h * dh + t]!, 0);
      }
      return lin(merged, w.o, w.bo);
    });
  });
}

describe('the attention layer', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('cross-attention, one head, identity projections: the hand-computed case', () => {
    // queries x = (1, 0), (0, 1); keys = values = (1, 0), (0, 2), (5, 5) with the third masked; scale 1/√2.
    //   query 1: scores 1/√2, 0 → weights e^{1/√2} / (e^{1/√2} + 1) = 0.66976, 0.33024 → (0.66976, 0.66048)
    //   query 2: scores 0, 2/√2 → weights 1 / (1 + e^{√2}) = 0.19557, 0.80443 → (0.19557, 1.60886)
    const layer = new MultiHeadAttention({ heads: 1, name: 'cross' });
    const x = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const s = tf.tensor3d([
      [
        [1, 0],
        [0, 2],
        [5, 5],
      ],
    ]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    layer.apply([x, s, mask]);
    const eye = tf.eye(2);
    const zero = tf.zeros([2]);
    layer.setWeights([eye, zero, eye, zero, eye, zero, eye, zero]);
    const out = (layer.apply([x, s, mask]) as tf.Tensor).arraySync() as number[][][];
    const expected = [
      [0.669762, 0.660477],
      [0.19557, 1.608859],
    ];
    out[0]!.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) < 1e-5, `out[${i}][${j}] = ${v}`)));
    // the masked key's value has no influence
    const s2 = tf.tensor3d([
      [
        [1, 0],
        [0, 2],
        [-40, 9],
      ],
    ]);
    assert.deepEqual((layer.apply([x, s2, mask]) as tf.Tensor).arraySync(), out);
    tf.disposeVariables();
  });

  it('two heads, biases, masks (one example with every key masked) match a plain-loop reference', () => {
    const layer = new MultiHeadAttention({ heads: 2, seed: 4, name: 'mha' });
    const x = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 1);
    const s = tf.randomNormal([3, 5, 10], 0, 1, 'float32', 2); // source of another width (10 → 6)
    const maskRows = [
      [1, 1, 0, 1, 0],
      [0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1],
    ];
    const mask = tf.tensor2d(maskRows);
    layer.apply([x, s, mask]);
    const [q, bq, k, bk, v, bv, o, bo] = layer.getWeights();
    assert.deepEqual(k!.shape, [10, 6]);
    // non-zero biases, so that they are checked too
    layer.setWeights([
      q!,
      tf.randomNormal([6], 0, 1, 'float32', 5),
      k!,
      tf.randomNormal([6], 0, 1, 'float32', 6),
      v!,
      bv!.add(0.3),
      o!,
      bo!.add(0.1),
    ]);
    const w = layer.getWeights().map((t) => t.arraySync());
    const ref = referenceAttention(
      x.arraySync() as number[][][],
      s.arraySync() as number[][][],
      maskRows,
      {
        q: w[0] as number[][],
        bq: w[1] as number[],
        k: w[2] as number[][],
        bk: w[3] as number[],
        v: w[4] as number[][],
        bv: w[5] as number[],
        o: w[6] as number[][],
        bo: w[7] as number[],
      },
      2,
    );
    const out = layer.apply([x, s, mask]) as tf.Tensor;
    assert.ok(maxAbs(tf.sub(out, tf.tensor3d(ref))) < 1e-4);
    // every key masked: the output is b_o for every query
    const none = out.slice([1, 0, 0], [1, 4, 6]).arraySync() as number[][][];
    for (const row of none[0]!) row.forEach((val, j) => assert.ok(Math.abs(val - (w[7] as number[])[j]!) < 1e-6));
    // self-attention: [x, mask] and [x] (no mask = every key real)
    const self = new MultiHeadAttention({ heads: 3, seed: 2, name: 'self' });
    const all = self.apply([x, tf.ones([3, 4])]) as tf.Tensor;
    assert.ok(maxAbs(tf.sub(all, self.apply(x) as tf.Tensor)) < 1e-6);
    tf.disposeVariables();
  });

  it('a masked key gets no gradient; the attention layer serialises with its heads and seed', () => {
    const layer = new MultiHeadAttention({ heads: 2, seed: 3, name: 'g' });
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 7);
    const s = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 8);
    const mask = tf.tensor2d([
      [1, 0, 1, 0, 1],
      [0, 1, 1, 1, 0],
    ]);
    const g = tf.grad((src: tf.Tensor) => tf.sum(layer.apply([x, src, mask]) as tf.Tensor))(s);
    const perKey = tf.sum(tf.abs(g), 2).arraySync() as number[][];
    perKey.forEach((row, b) =>
      row.forEach((v, j) => {
        if ((mask.arraySync() as number[][])[b]![j] === 0) assert.equal(v, 0);
        else assert.ok(v > 0);
      }),
    );
    assert.deepEqual({ heads: layer.getConfig()['heads'], seed: layer.getConfig()['seed'] }, { heads: 2, seed: 3 });
    tf.disposeVariables();
  });

  it('modality-type embedding with segments: every token of a modality gets that modality vector', () => {
    const layer = new ModalityTypeEmbedding({ segments: [2, 1, 3], name: 'types' });
    layer.apply(tf.zeros([1, 6, 2]));
    layer.setWeights([
      tf.tensor2d([
        [1, 10],
        [2, 20],
        [3, 30],
      ]),
    ]);
    assert.deepEqual((layer.apply(tf.zeros([1, 6, 2])) as tf.Tensor).arraySync(), [
      [
        [1, 10],
        [1, 10],
        [2, 20],
        [3, 30],
        [3, 30],
        [3, 30],
      ],
    ]);
    assert.deepEqual(layer.getConfig()['segments'], [2, 1, 3]);
    tf.disposeVariables();
  });

  it('bottleneck merge: the mean of the present modalities’ updates; none present keeps the bottleneck', () => {
    const z = tf.fill([3, 1, 2], 7);
    const u1 = tf.fill([3, 1, 2], 1);
    const u2 = tf.fill([3, 1, 2], 3);
    // example 0: both present; 1: only modality 2; 2: none
    const m1 = tf.tensor2d([
      [1, 0],
      [0, 0],
      [0, 0],
    ]);
    const m2 = tf.tensor2d([[1], [1], [0]]);
    const out = new BottleneckMerge({ name: 'merge' }).apply([z, u1, u2, m1, m2]) as tf.Tensor;
    assert.deepEqual(out.arraySync(), [[[2, 2]], [[3, 3]], [[7, 7]]]);
  });
});
