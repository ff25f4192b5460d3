/**
 * The saved inference graph (src/model/export/): training-only layers out with their weights, recurrent layers and
 * layer norm as tfjs's own, consumers rewired, predictions unchanged; and a rewrite that would change predictions
 * is not kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/build.js';
import { exportInferenceModel } from '../../src/model/export/export-model.js';
import { toInferenceGraph } from '../../src/model/export/inference-graph.js';
import { deserializeModel, serializeModel } from '../../src/model/export/serialize.js';
import { loadConfig } from '../../src/experiment/load.js';
import { ModalityDropout } from '../../src/model/layers/index.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';

function textImageModel(fusion: string) {
  const dir = tempDir('mmx-graph-');
  const file = path.join(dir, 'x.yaml');
  writeFileSync(
    file,
    `name: g
data: {path: d.csv, split: {column: split}}
target: {column: label}
inputs:
  txt: {type: text, column: t, encoder: {type: bilstm, units: 3, layers: 2, recurrent_dropout: 0.2, embedding_dim: 4}}
  pic: {type: image, column: a, preprocessing: {height: 6, width: 6}, encoder: {type: cnn, filters: [2], output_dim: 4, dropout: 0.3}}
fusion: ${fusion}
`,
  );
  const config = loadConfig(file, { env: {} }).config;
  return buildModel(
    config,
    [
      { name: 'txt', modality: 'text', shape: [5], meta: { vocabSize: 12 } },
      { name: 'pic', modality: 'image', shape: [6, 6, 1] },
    ],
    3,
  );
}

const probe = (): tf.Tensor[] => [
  tf.tensor2d([
    [3, 4, 5, 0, 0],
    [1, 2, 3, 4, 5],
    [7, 0, 0, 0, 0],
  ]),
  tf.randomUniform([3, 6, 6, 1], 0, 1, 'float32', 7),
];

describe('the inference graph', () => {
  it('leaves out dropout and modality gates, saves LSTM as tfjs LSTM, and predicts the same', async () => {
    await tf.setBackend('cpu');
    const built = textImageModel('{type: gated, dim: 4, modality_dropout: 0.3, dropout: 0.2}');
    const trained = await serializeModel(built.model);
    const { files, report } = toInferenceGraph(trained);
    const classes = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());
    assert.ok(classes(built.model).includes('MmxModalityDropout') && classes(built.model).includes('MmxDropout'));
    const loaded = await deserializeModel(files);
    assert.ok(!classes(loaded).includes('MmxModalityDropout') && !classes(loaded).includes('MmxDropout'), classes(loaded).join());
    assert.deepEqual([...new Set(report.removed.map((r) => r.className))].sort(), ['MmxDropout', 'MmxModalityDropout']);
    assert.deepEqual([...new Set(report.converted.map((c) => `${c.from}->${c.to}`))], ['MmxLSTM->LSTM']);
    assert.deepEqual(report.customClasses, ['MmxGatedCombine']);
    const x = probe();
    const a = (await (built.model.predict(x) as tf.Tensor).data()) as Float32Array;
    const b = (await (loaded.predict(x) as tf.Tensor).data()) as Float32Array;
    assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 1e-5));
  });

  it("drops a learned missing token's weights with its gate (models saved before the token fusions have them)", async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [3], name: 'x' });
    const gated = new ModalityDropout({ rate: 0.3, missing: 'learned', name: 'old_modality_gate' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'head' }).apply(gated) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const trained = await serializeModel(model);
    const { files, report } = toInferenceGraph(trained);
    assert.deepEqual(report.droppedWeights, ['old_modality_gate/missing_token']);
    assert.equal(files['weights.bin'].byteLength, trained['weights.bin'].byteLength - 3 * 4);
    const loaded = await deserializeModel(files);
    const x = tf.tensor2d([[1, 2, 3]]);
    assert.deepEqual(await (loaded.predict(x) as tf.Tensor).data(), await (model.predict(x) as tf.Tensor).data());
  });

  it("keeps the token fusions' ModalityTokenGate (at inference it makes the token mask, it is no identity) and predicts the same", async () => {
    await tf.setBackend('cpu');
    const built = textImageModel('{type: attention, dim: 4, heads: 2, modality_dropout: 0.3, dropout: 0.2}');
    const { files, report } = toInferenceGraph(await serializeModel(built.model));
    assert.deepEqual([...new Set(report.removed.map((r) => r.className))], ['MmxDropout']);
    assert.ok(report.customClasses.includes('MmxModalityTokenGate') && report.customClasses.includes('MmxMultiHeadAttention'));
    const loaded = await deserializeModel(files);
    const x = probe();
    const a = (await (built.model.predict(x) as tf.Tensor).data()) as Float32Array;
    const b = (await (loaded.predict(x) as tf.Tensor).data()) as Float32Array;
    assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 1e-5));
  });

  it('is kept only when it predicts as the trained model does; otherwise the trained graph is saved and says why', async () => {
    const built = textImageModel('{type: concat, dropout: 0.2}');
    const good = await exportInferenceModel(built.model, probe());
    assert.equal(good.fallback, undefined);
    assert.ok(good.check!.maxAbsDiff < 1e-5);
    assert.deepEqual(good.graph.customClasses, []);
    // a gate masked at export time (an ablation left on) is not the identity: the rewrite would change predictions
    built.masks['pic']!.setMasked(true);
    const masked = await exportInferenceModel(built.model, probe());
    assert.match(masked.fallback ?? '', /outputs differ/);
    assert.ok(masked.check!.maxAbsDiff > 1e-4);
    assert.ok((await deserializeModel(masked.files)).layers.some((l) => l.getClassName() === 'MmxModalityDropout'));
  });
});
