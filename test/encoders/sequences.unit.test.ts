/**
 * `output: sequence` of every encoder with a time or space axis: the sequence's shape is what the encoder's
 * estimate (`steps`, used by validation before any data) says, a text's mask is its PAD pattern, every weight
 * trains through the sequence on wasm, and `output: pooled` stays the default. Also the patch (ViT) encoder.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import '../../src/model/build.js';
import { encoderRegistry } from '../../src/model/encoders/index.js';
import { findEncoder, isSequence } from '../../src/model/encoders/registry.js';
import type { SizeEstimate } from '../../src/model/size/cost.js';
import { image, modelAround, resolvedInput, spectrogram, TOKENS, tokens, VOCAB } from './helpers.js';

interface Case {
  entry: string;
  shape: number[];
  /** steps of the sequence, worked out by hand */
  steps: number;
  text?: boolean;
  data: () => tf.Tensor;
}

const CASES: Record<string, Case> = {
  // 8×8 → pool 2 → 4×4 → pool 2 → 2×2: 4 positions
  'image cnn': { entry: '{type: cnn, filters: [4, 4], output_dim: 5}', shape: [8, 8, 1], steps: 4, data: image() },
  // 9×6: pools when the height allows: 9→4 (6→3), 4→2 (3→1): 2×1
  'image cnn, uneven': { entry: '{type: cnn, filters: [3, 3], output_dim: 5}', shape: [9, 6, 1], steps: 2, data: image(9, 6) },
  // stages [4, 8, 8]: 8 → 4 → 2 (stride 2 with 'same' padding: ⌈n/2⌉): 2×2; 7×7 → 4×4 → 2×2
  'image resnet': {
    entry: '{type: resnet, widths: [4, 8, 8], blocks: 1, output_dim: 5}',
    shape: [7, 7, 3],
    steps: 4,
    data: image(7, 7, 3),
  },
  // 8×8 in 2×2 patches: 16
  'image patch': {
    entry: '{type: patch, patch_size: 2, dim: 8, heads: 2, layers: 2, output_dim: 5}',
    shape: [8, 8, 1],
    steps: 16,
    data: image(),
  },
  'image patch, no blocks': {
    entry: '{type: patch, patch_size: 4, dim: 6, layers: 0, output_dim: 5}',
    shape: [8, 8, 3],
    steps: 4,
    data: image(8, 8, 3),
  },
  // 12 frames → pool 2 → 6 → pool 2 → 3
  'audio cnn1d': { entry: '{type: cnn1d, filters: [4, 4], output_dim: 5}', shape: [12, 6], steps: 3, data: spectrogram },
  // rows (frames): 12 → 6
  'audio cnn2d': { entry: '{type: cnn2d, filters: [3], output_dim: 5}', shape: [12, 6], steps: 6, data: spectrogram },
  'audio lstm': { entry: '{type: lstm, units: 3, layers: 2, output_dim: 5}', shape: [12, 6], steps: 12, data: spectrogram },
  'audio gru bidirectional': {
    entry: '{type: gru, units: 3, bidirectional: true, output_dim: 5}',
    shape: [12, 6],
    steps: 12,
    data: spectrogram,
  },
  'text embedding_bag': { entry: '{type: embedding_bag, embedding_dim: 4, output_dim: 5}', shape: [6], steps: 6, text: true, data: tokens },
  'text cnn': {
    entry: '{type: cnn, kernel_sizes: [2, 3], filters: 3, embedding_dim: 4, output_dim: 5}',
    shape: [6],
    steps: 6,
    text: true,
    data: tokens,
  },
  'text lstm': { entry: '{type: lstm, units: 3, embedding_dim: 4, output_dim: 5}', shape: [6], steps: 6, text: true, data: tokens },
  'text gru, 2 layers': {
    entry: '{type: gru, units: 3, layers: 2, embedding_dim: 4, output_dim: 5}',
    shape: [6],
    steps: 6,
    text: true,
    data: tokens,
  },
  'text bilstm': { entry: '{type: bilstm, units: 3, embedding_dim: 4, output_dim: 5}', shape: [6], steps: 6, text: true, data: tokens },
  'text transformer': {
    entry: '{type: transformer, heads: 2, layers: 1, ff_dim: 8, embedding_dim: 4, output_dim: 5}',
    shape: [6],
    steps: 6,
    text: true,
    data: tokens,
  },
};

const modalityOf = (name: string): string => name.split(' ')[0]!;

/** The test model's softmax over 2 classes on the 5 features (see helpers.ts), which the encoder's estimate leaves out. */
const HEAD = 5 * 2 + 2;

function estimateOf(input: ReturnType<typeof resolvedInput>, c: { shape: number[]; text?: boolean }): SizeEstimate {
  const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
  const estimate = encoder.estimate({ options: input.encoder as never, featureShape: c.shape, ...(c.text ? { vocabSize: VOCAB } : {}) });
  assert.ok(estimate, 'an estimate');
  return estimate;
}

const params = (e: SizeEstimate): number => e.parts.reduce((n, p) => n + p.params, 0);

describe('encoders with output: sequence', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: shape [batch, ${c.steps}, 5] as its estimate says, its mask, and every weight trains`, async () => {
      const input = resolvedInput(`{type: ${modalityOf(name)}, column: a, encoder: ${c.entry.replace('}', ', output: sequence}')}}`);
      const estimate = estimateOf(input, c);
      assert.equal(estimate.steps, c.steps);
      assert.equal(estimate.outputDim, 5);
      const { model, output } = modelAround(input, c.shape, c.text ? { vocabSize: VOCAB } : {});
      assert.equal(model.countParams() - HEAD, params(estimate), 'the estimate counts every weight');
      assert.ok(isSequence(output), 'a sequence');
      assert.deepEqual(output.sequence.shape, [null, c.steps, 5]);
      const x = c.data();
      if (c.text) {
        // the mask is the token ids: non-zero exactly at the real tokens
        assert.ok(output.mask);
        const probe = tf.model({ inputs: model.inputs, outputs: [output.sequence, output.mask] });
        const [seq, mask] = probe.predict(x) as tf.Tensor[];
        assert.deepEqual(seq!.shape, [4, c.steps, 5]);
        assert.deepEqual(
          (mask!.arraySync() as number[][]).map((r) => r.map((v) => (v !== 0 ? 1 : 0))),
          TOKENS.map((r) => r.map((v) => (v !== 0 ? 1 : 0))),
        );
      } else {
        assert.equal(output.mask, undefined, 'every step is real');
        const probe = tf.model({ inputs: model.inputs, outputs: output.sequence });
        assert.deepEqual((probe.predict(x) as tf.Tensor).shape, [4, c.steps, 5]);
      }
      // the mean-pooled sequence → softmax trains every weight
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
      const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
      const loss = (await model.trainOnBatch(x, y)) as number;
      assert.ok(Number.isFinite(loss), `loss ${loss}`);
      const still = model.trainableWeights.filter((w, i) => before[i]!.every((v, j) => v === w.read().dataSync()[j])).map((w) => w.name);
      assert.deepEqual(still, [], `weights without a gradient: ${still.join(', ')}`);
      tf.dispose([x, y]);
      tf.disposeVariables();
    });
  }

  it('output defaults to pooled: one embedding per example, and no steps in the estimate', () => {
    for (const [name, c] of Object.entries(CASES)) {
      const input = resolvedInput(`{type: ${modalityOf(name)}, column: a, encoder: ${c.entry}}`);
      assert.equal((input.encoder as { output?: string }).output, 'pooled', name);
      const estimate = estimateOf(input, c);
      assert.equal(estimate.steps, undefined, name);
      const { model, output } = modelAround(input, c.shape, c.text ? { vocabSize: VOCAB } : {});
      assert.equal(model.countParams() - HEAD, params(estimate), name);
      assert.ok(!isSequence(output), name);
      assert.deepEqual(output.shape, [null, 5], name);
      tf.disposeVariables();
    }
  });

  it('a text sequence: a PAD token changes nothing at the real tokens of a causal-free encoder (embedding_bag)', () => {
    const input = resolvedInput(
      '{type: text, column: a, encoder: {type: embedding_bag, embedding_dim: 4, output_dim: 5, output: sequence}}',
    );
    const { model, output } = modelAround(input, [6], { vocabSize: VOCAB });
    assert.ok(isSequence(output));
    const probe = tf.model({ inputs: model.inputs, outputs: output.sequence });
    const a = (probe.predict(tf.tensor2d([[3, 4, 0, 0, 0, 0]])) as tf.Tensor).arraySync() as number[][][];
    const b = (probe.predict(tf.tensor2d([[3, 4, 5, 0, 0, 0]])) as tf.Tensor).arraySync() as number[][][];
    assert.deepEqual(a[0]!.slice(0, 2), b[0]!.slice(0, 2));
    assert.notDeepEqual(a[0]![2], b[0]![2]);
    tf.disposeVariables();
  });

  it('numeric tokens: one token per feature, x·w + b (FT-Transformer); pooled: the tokens side by side', () => {
    const seqInput = resolvedInput('{type: numeric, column: a, encoder: {type: tokens, dim: 3, output: sequence}}');
    const { model, output } = modelAround(seqInput, [2]);
    assert.ok(isSequence(output));
    assert.deepEqual(output.sequence.shape, [null, 2, 3]);
    const layer = model.layers.find((l) => l.getClassName() === 'MmxFeatureTokenizer')!;
    layer.setWeights([
      tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      tf.tensor2d([
        [0.5, 0, 0],
        [0, 0, -1],
      ]),
    ]);
    const probe = tf.model({ inputs: model.inputs, outputs: output.sequence });
    assert.deepEqual((probe.predict(tf.tensor2d([[2, -1]])) as tf.Tensor).arraySync(), [
      [
        [2.5, 4, 6],
        [-4, -5, -7],
      ],
    ]);
    assert.equal(estimateOf(seqInput, { shape: [2] }).steps, 2);
    tf.disposeVariables();
    const pooled = modelAround(resolvedInput('{type: numeric, column: a, encoder: {type: tokens, dim: 3}}'), [2]);
    assert.deepEqual((pooled.output as tf.SymbolicTensor).shape, [null, 6]);
    tf.disposeVariables();
  });

  it('patch encoder: parameters as its formula says, and its checks (patch size, heads)', () => {
    // P = 2, C = 1, N = 16, dim 8, F = 2·8 = 16, 2 layers, output 5:
    //   (4 + 1)·8 + 16·8 + 2·(4(64 + 8) + 9·16 + 17·8 + 4·8) + 2·8 + 9·5
    const input = resolvedInput(
      '{type: image, column: a, encoder: {type: patch, patch_size: 2, dim: 8, heads: 2, layers: 2, output_dim: 5}}',
    );
    const { model } = modelAround(input, [8, 8, 1]);
    const head = 5 * 2 + 2; // the test's softmax over 2 classes
    assert.equal(model.countParams() - head, 40 + 128 + 2 * (288 + 144 + 136 + 32) + 16 + 45);
    tf.disposeVariables();
    const patch = findEncoder(encoderRegistry, 'image', 'patch');
    const bad = resolvedInput('{type: image, column: a, encoder: {type: patch, patch_size: 4, dim: 30, heads: 4}}').encoder;
    const issues = patch.check!(bad as never, [30, 28, 1]);
    assert.deepEqual(
      issues.map((i) => i.path),
      [['patch_size'], ['heads']],
    );
    assert.match(issues[0]!.message, /patch_size 4 does not divide the 30 × 28 image/);
    assert.match(issues[0]!.hint!, /use a patch_size among 2, or resize the images/);
    assert.match(issues[1]!.message, /dim 30 is not divisible by 4 heads/);
    // its attention, for the attention-size check: 2 layers · 4 heads · 49² patches
    const scores = patch.estimate({ options: bad as never, featureShape: [28, 28, 1] })!.parts.reduce((n, p) => n + (p.scores ?? 0), 0);
    assert.equal(scores, 2 * 4 * 49 * 49);
  });
});
