/**
 * Data-parallel training equals single-thread training for the same global batch (issue 7, item 3): the same
 * model and seed, K optimiser steps through `localStep` (trainOnBatch) and through a 2-thread parallel step →
 * the same losses and metrics per step and the same weights, within float tolerance. One case per loss family
 * (classification with class weights + label smoothing, binary, multilabel, regression with Huber), an LSTM text
 * encoder, and late
 * fusion's multi-output graph with auxiliary losses, on real data (penguins, SMS spam).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { initBackend } from '../../src/backend/select.js';
import { createParallelStep } from '../../src/train/parallel/index.js';
import { localStep } from '../../src/train/step.js';
import { dataPath } from '../helpers/data.js';
import { compiled, maxDiff, maxWeightDiff, prepare, trainSteps, weightDiffs } from './helpers.js';

const STEPS = 6;
const PENGUINS = JSON.stringify(dataPath('penguins', 'manifest.csv'));
const NUMERIC = `  m:
    type: numeric
    column: bill_length_mm
    columns: [bill_depth_mm, flipper_length_mm]
    preprocessing: {missing: median}
    encoder: {type: dense, layers: [16], output_dim: 8}
`;
const training = (
  batch: number,
) => `training: {epochs: 1, batch_size: ${batch}, shuffle: false, optimizer: {type: adam, learning_rate: 0.01}}
runtime: {backend: wasm}
`;

/** K steps single-thread vs 2 threads from identical initial weights; asserts equal results, returns the differences. */
async function compare(yaml: string, files: Record<string, string> = {}, batch = 32): Promise<{ values: number; weights: number }> {
  const p = await prepare(yaml, files);
  const a = compiled(p);
  const b = compiled(p);
  assert.equal(maxWeightDiff(a.model, b.model), 0, 'the same seed builds the same initial weights');
  const single = await trainSteps(p, a, localStep(a), STEPS, batch);
  const step = await createParallelStep(b, 2);
  let multi: number[][];
  try {
    multi = await trainSteps(p, b, step, STEPS, batch);
  } finally {
    await step.dispose();
  }
  assert.equal(step.liveWorkers(), 0, 'dispose stops the workers');
  assert.equal(multi[0]!.length, single[0]!.length, 'the same values as trainOnBatch');
  const values = maxDiff(single, multi);
  const weights = maxWeightDiff(a.model, b.model);
  const moved = maxWeightDiff(a.model, compiled(p).model);
  assert.ok(moved > 1e-3, `training moved the weights (${moved})`);
  assert.ok(values < 1e-5, `losses/metrics differ by ${values}: ${JSON.stringify(single)} vs ${JSON.stringify(multi)}`);
  assert.ok(weights < 1e-5, `weights differ by ${weights} after ${STEPS} steps: ${weightDiffs(a.model, b.model)}`);
  console.log(
    `${p.config.name}: max |single − parallel| over ${STEPS} steps: losses/metrics ${values.toExponential(2)}, weights ${weights.toExponential(2)}`,
  );
  return { values, weights };
}

describe('data-parallel step = single-thread step for the same global batch', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('classification with class weights and label smoothing (penguins species)', { timeout: 120_000 }, async () => {
    await compare(`name: par-class
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label, class_weight: balanced, label_smoothing: 0.1}
inputs:
${NUMERIC}  island: {type: categorical, column: island, encoder: {type: embedding, dim: 4}}
${training(32)}`);
  });

  it('regression with Huber loss, and a last batch smaller than the thread count', { timeout: 120_000 }, async () => {
    // 33 rows per batch: shards 17 + 16; then batch 1 (worker idle) is checked separately below
    await compare(
      `name: par-huber
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: body_mass_g, task: regression, loss: huber, missing: drop_row}
inputs:
${NUMERIC}${training(33)}`,
      {},
      33,
    );
    await compare(
      `name: par-mse-1
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: body_mass_g, task: regression, missing: drop_row}
inputs:
${NUMERIC}${training(1)}`,
      {},
      1,
    );
  });

  it('binary with class weights (SMS spam subset, text embedding: the Embedding gradient on wasm)', { timeout: 120_000 }, async () => {
    const rows = parse(readFileSync(dataPath('sms_spam', 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const quota: Record<string, number> = { train: 300, validation: 40, test: 40 };
    const keep = rows.filter((r) => quota[r.split!]! > 0 && quota[r.split!]!-- > 0);
    const csv =
      ['text,label,split', ...keep.map((r) => [`"${r.text!.replace(/"/g, '""')}"`, r.label, r.split].join(','))].join('\n') + '\n';
    await compare(
      `name: par-binary
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: binary, positive_class: spam, class_weight: balanced}
inputs:
  sms: {type: text, column: text, preprocessing: {max_length: 24, vocab_size: 1000}, encoder: {type: embedding_bag, embedding_dim: 8, output_dim: 8}}
${training(32)}`,
      { 'manifest.csv': csv },
    );
  });

  it('binary, LSTM text encoder (a recurrent layer rebuilt from JSON in the worker)', { timeout: 120_000 }, async () => {
    const rows = parse(readFileSync(dataPath('sms_spam', 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const quota: Record<string, number> = { train: 200, validation: 20, test: 20 };
    const keep = rows.filter((r) => quota[r.split!]! > 0 && quota[r.split!]!-- > 0);
    const csv =
      ['text,label,split', ...keep.map((r) => [`"${r.text!.replace(/"/g, '""')}"`, r.label, r.split].join(','))].join('\n') + '\n';
    await compare(
      `name: par-lstm
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: binary, positive_class: spam}
inputs:
  sms: {type: text, column: text, preprocessing: {max_length: 12, vocab_size: 500}, encoder: {type: lstm, embedding_dim: 8, units: 8, output_dim: 8}}
${training(32)}`,
      { 'manifest.csv': csv },
    );
  });

  it('multilabel (penguins species | sex)', { timeout: 120_000 }, async () => {
    const rows = parse(readFileSync(dataPath('penguins', 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const csv =
      [
        'bill_length_mm,bill_depth_mm,flipper_length_mm,tags,split',
        ...rows.map((r) =>
          [r.bill_length_mm, r.bill_depth_mm, r.flipper_length_mm, [r.label, r.sex].filter(Boolean).join('|'), r.split].join(','),
        ),
      ].join('\n') + '\n';
    await compare(
      `name: par-multilabel
data: {path: manifest.csv, split: {column: split}}
target: {column: tags, task: multilabel}
inputs:
${NUMERIC}${training(32)}`,
      { 'manifest.csv': csv },
    );
  });

  it(
    'attention fusion: custom layers, and weights without a gradient (learned missing tokens, modality dropout 0)',
    { timeout: 120_000 },
    async () => {
      // SGD here: the attention's key bias has a gradient that is exactly 0 in exact arithmetic (softmax ignores
      // a shift shared by all keys), i.e. float noise of ~1e-9 that depends on summation order; Adam divides it by
      // its own magnitude and moves the bias by ~lr either way, so two correct implementations differ there.
      await compare(`name: par-attention
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label}
inputs:
${NUMERIC}  island: {type: categorical, column: island, encoder: {type: embedding, dim: 4}}
fusion: {type: attention, dim: 8, heads: 2}
${training(32).replace('{type: adam, learning_rate: 0.01}', '{type: sgd, learning_rate: 0.1, momentum: 0.9}')}`);
    },
  );

  it('late fusion with auxiliary losses (the multi-output training graph)', { timeout: 120_000 }, async () => {
    await compare(`name: par-late
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label}
inputs:
${NUMERIC}  island: {type: categorical, column: island, encoder: {type: onehot}}
fusion: {type: late, aux_loss_weight: 0.3}
${training(32)}`);
  });
});
