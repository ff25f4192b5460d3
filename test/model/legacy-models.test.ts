/**
 * Models saved before the attention layers were unified (test/model/fixtures/legacy-attention, written by mmx at
 * commit ebbccbf) still load with tf.loadLayersModel and predict what they predicted when saved: their classes
 * (`MmxMaskedSelfAttention`, `MmxMultiHeadSelfAttention`, a `MmxModalityDropout` with a learned missing token) are
 * registered, and their weights are found under their old names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import '../../src/model/build.js';
import { LegacyMaskedSelfAttention, LegacyMultiHeadSelfAttention, MultiHeadAttention } from '../../src/model/layers/index.js';
import { loadSavedFiles } from '../helpers/saved-model.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'legacy-attention');

interface Expected {
  inputs: { words: number[][]; snd: number[] };
  shapes: { words: [number, number]; snd: [number, number, number] };
  probabilities: number[];
}

async function load(name: string): Promise<{ model: tf.LayersModel; expected: Expected }> {
  const dir = path.join(FIXTURES, name);
  const model = await loadSavedFiles({
    'model.json': readFileSync(path.join(dir, 'model.json'), 'utf8'),
    'weights.bin': readFileSync(path.join(dir, 'weights.bin')),
  });
  return { model, expected: JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected };
}

describe('models saved before the attention unification', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const name of ['transformer', 'attention']) {
    it(`${name} fusion + text transformer encoder: loads and predicts as when it was saved`, async () => {
      const { model, expected } = await load(name);
      const classes = model.layers.map((l) => l.getClassName());
      assert.ok(classes.includes('MmxMaskedSelfAttention') && classes.includes('MmxMultiHeadSelfAttention'), classes.join(', '));
      const legacy = model.layers.filter((l) => l instanceof MultiHeadAttention);
      assert.ok(legacy.some((l) => l instanceof LegacyMaskedSelfAttention));
      assert.ok(legacy.some((l) => l instanceof LegacyMultiHeadSelfAttention));
      const xs = [tf.tensor2d(expected.inputs.words), tf.tensor3d(expected.inputs.snd, expected.shapes.snd)];
      const p = Array.from((model.predict(xs) as tf.Tensor).dataSync());
      assert.equal(p.length, expected.probabilities.length);
      const diff = Math.max(...p.map((v, i) => Math.abs(v - expected.probabilities[i]!)));
      assert.ok(diff < 1e-5, `predictions differ by ${diff}`);
      tf.dispose(xs);
      tf.disposeVariables();
    });
  }
});
