/**
 * The training options on real data (penguins) through the trainer: accumulate_batches: k trains as a k× larger
 * batch (float rounding apart), also with the data-parallel workers and clipping; the `learning_rate` metric of
 * each epoch is the schedule's rate at the epoch's last update.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/select.js';
import { loadConfig } from '../../src/experiment/load.js';
import type { ExperimentConfig } from '../../src/experiment/schema.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { modelInputs, prepareData, type PreparedData } from '../../src/data/dataset.js';
import { buildModel, compileModel, type BuiltModel } from '../../src/model/build.js';
import { train } from '../../src/train/trainer.js';
import type { Metrics } from '../../src/core/run-events.js';
import { trainingOptimizer } from '../../src/train/optim/training-optimizer.js';
import { learningRateAt } from '../../src/train/schedule/lr-schedule.js';
import { createParallelStep } from '../../src/train/parallel/index.js';
import type { TrainStep } from '../../src/train/step.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { maxWeightDiff, weightDiffs } from '../train-parallel/helpers.js';

const PENGUINS = JSON.stringify(dataPath('penguins', 'manifest.csv'));
const yaml = (training: string) => `name: train-options
data: {path: ${PENGUINS}, split: {column: split}}
target: {column: label}
inputs:
  m:
    type: numeric
    column: bill_length_mm
    columns: [bill_depth_mm, flipper_length_mm, body_mass_g]
    preprocessing: {missing: median}
    encoder: {type: dense, layers: [16], output_dim: 8, dropout: 0}
fusion: {type: concat, hidden: [8], dropout: 0}
training: ${training}
runtime: {backend: wasm}
`;

interface Prepared {
  config: ExperimentConfig;
  data: PreparedData;
}

async function prepared(training: string): Promise<Prepared> {
  const dir = tempDir('mmx-train-options-');
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, yaml(training));
  const checked = checkSemantics(loadConfig(file));
  return { config: checked.config, data: await prepareData(checked) };
}

const untrained = (p: Prepared): BuiltModel => buildModel(p.config, modelInputs(p.data), p.data.state.target);

/** builds and compiles as a run does (trainingOptimizer), trains, returns the model and each epoch's metrics */
async function fit(p: Prepared, step?: (built: BuiltModel) => Promise<TrainStep>): Promise<{ built: BuiltModel; epochs: Metrics[] }> {
  const built = untrained(p);
  compileModel(built, trainingOptimizer(p.config.training, built.model).optimizer);
  const epochs: Metrics[] = [];
  const stepper = step ? await step(built) : undefined;
  try {
    await train(p.config, p.data, built, (e) => (e.type === 'epoch_end' ? epochs.push(e.metrics) : undefined), undefined, stepper);
  } finally {
    await stepper?.dispose();
  }
  return { built, epochs };
}

function assertSameWeights(a: BuiltModel, b: BuiltModel, tol: number): void {
  const diff = maxWeightDiff(a.model, b.model);
  assert.ok(diff < tol, `weights differ by ${diff}: ${weightDiffs(a.model, b.model)}`);
}

describe('training options through the trainer (penguins)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it(
    'accumulate_batches: 3 with batches of 16 = batches of 48, over 2 shuffled epochs (SGD with momentum)',
    { timeout: 120_000 },
    async () => {
      const opt = 'optimizer: {type: sgd, learning_rate: 0.05, momentum: 0.9}';
      const bigData = await prepared(`{epochs: 2, batch_size: 48, ${opt}}`);
      const small = await fit(await prepared(`{epochs: 2, batch_size: 16, accumulate_batches: 3, ${opt}}`));
      const big = await fit(bigData);
      const moved = maxWeightDiff(big.built.model, untrained(bigData).model);
      assert.ok(moved > 1e-2, `training moved the weights (${moved})`);
      assertSameWeights(small.built, big.built, 1e-5);
      // per-batch training losses differ (batches of 16 vs 48); validation sees the same weights
      assert.ok(Math.abs(small.epochs[1]!['val_loss']! - big.epochs[1]!['val_loss']!) < 1e-5);
    },
  );

  it(
    'with the data-parallel workers (2 threads) and clipping: accumulate 2 × 24 with clipping = 48 with clipping in one thread (AdamW, cosine)',
    { timeout: 180_000 },
    async () => {
      const rest = 'optimizer: {type: adamw, learning_rate: 0.02}, gradient_clipping: {global_norm: 0.05}, lr_schedule: {type: cosine}';
      const parallel = await fit(await prepared(`{epochs: 2, batch_size: 24, accumulate_batches: 2, ${rest}}`), (built) =>
        createParallelStep(built, 2),
      );
      const local = await fit(await prepared(`{epochs: 2, batch_size: 48, ${rest}}`));
      assertSameWeights(parallel.built, local.built, 1e-4);
      // clipping bites: without it the run ends elsewhere
      const unclipped = await fit(
        await prepared(`{epochs: 2, batch_size: 48, optimizer: {type: adamw, learning_rate: 0.02}, lr_schedule: {type: cosine}}`),
      );
      assert.ok(maxWeightDiff(unclipped.built.model, local.built.model) > 1e-3, 'clipping changed the updates');
      assert.deepEqual(
        parallel.epochs.map((m) => m['learning_rate']),
        local.epochs.map((m) => m['learning_rate']),
      );
    },
  );

  it(
    'learning_rate each epoch: the rate of its last update (warm-up + linear decay stepped per update; 3 epochs)',
    { timeout: 120_000 },
    async () => {
      const p = await prepared(
        '{epochs: 3, batch_size: 32, optimizer: {type: adam, learning_rate: 0.01}, lr_schedule: {type: linear, min_lr: 0.001, warmup: {steps: 4}}}',
      );
      const { epochs } = await fit(p);
      const perEpoch = Math.ceil(p.data.train.labels.length / 32);
      const clock = { updatesPerEpoch: perEpoch, totalUpdates: 3 * perEpoch };
      const want = [1, 2, 3].map((e) => learningRateAt(p.config.training.lr_schedule, 0.01, clock, e * perEpoch - 1));
      assert.deepEqual(
        epochs.map((m) => m['learning_rate']),
        want,
      );
      // hand check of the last: 0.001 + 0.009 · (1 − (T − 1 − 4) / (T − 4))
      const T = 3 * perEpoch;
      assert.ok(Math.abs(want[2]! - (0.001 + 0.009 * (1 - (T - 5) / (T - 4)))) < 1e-12);
    },
  );
});
