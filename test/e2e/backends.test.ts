/**
 * The same model trains to the same loss on every backend (issue 16, item 5): mmx's reference model (image CNN +
 * audio Conv1D + text embedding_bag, concat, Adam — the bench's `reference` variant) on real AV-MNIST rows, a few
 * batches on tfjs's `cpu` backend and on `wasm` (mmx's SIMD kernels), from the same initial weights on the same
 * batches. A third run on cpu switches off mmx's fused kernels (the Adam update, Relu's gradient): the plain tfjs
 * ops a backend without mmx's kernels (tfjs-node, tfjs-node-gpu) runs — so every custom path keeps a portable twin.
 * Batches of 4: tfjs's cpu Conv2DBackpropFilter takes seconds per batch of 8 (element-wise TensorBuffer loops).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { modelInputs, prepareData, type PreparedData } from '../../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer } from '../../src/model/build.js';
import { setFusedUpdates } from '../../src/model/optimizers/slot-optimizer.js';
import { setFusedReluGradient } from '../../src/ops/relu-grad.js';
import { gatherInputs, gatherTargets } from '../../src/train/batches.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tempDir } from '../helpers/tmp.js';

const BATCH = 4;
const STEPS = 3;

const CONFIG = (manifest: string) => `name: e2e-backends
seed: 42
data:
  path: ${JSON.stringify(manifest)}
  split: {column: split}
target: {column: label, task: classification}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: 28, width: 28, channels: 1}
    encoder: {type: cnn, filters: [16, 32], kernel_size: 3, output_dim: 128, dropout: 0.25}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40, window_ms: 25, hop_ms: 10, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [32, 64], kernel_size: 5, output_dim: 128, dropout: 0.25}
  speaker:
    type: text
    column: fsdd_speaker
    preprocessing: {tokenizer: word, max_length: 8, min_freq: 1}
    encoder: {type: embedding_bag, embedding_dim: 32, output_dim: 32, dropout: 0.0}
fusion: {type: concat, hidden: [128], dropout: 0.3}
training:
  epochs: 1
  batch_size: ${BATCH}
  optimizer: {type: adam, learning_rate: 1.0e-3}
evaluation: {metrics: [accuracy]}
tracking: {experiment: e2e}
`;

/** Trains STEPS batches on the current backend from `initial` weights; returns each step's loss and the last weights. */
async function train(
  checked: ReturnType<typeof checkSemantics>,
  data: PreparedData,
  initial: Float32Array[] | undefined,
): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const built = buildModel(checked.config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(checked.config.training.optimizer));
  const model = built.training?.model ?? built.model;
  if (initial) model.setWeights(initial.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  const order = Int32Array.from({ length: data.train.labels.length }, (_, i) => i);
  const classes = data.state.target.classes?.length ?? 1;
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const xs = gatherInputs(data.train, built.inputs, order, s * BATCH, (s + 1) * BATCH);
    const ys = gatherTargets(data.train, order, s * BATCH, (s + 1) * BATCH, classes);
    const r = await model.trainOnBatch(xs, ys);
    losses.push(Array.isArray(r) ? r[0]! : r);
    tf.dispose([...xs, ys]);
  }
  const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  model.dispose();
  return { losses, weights };
}

function maxRel(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let scale = 1e-6;
  a.forEach((w, i) => {
    const v = b[i]!;
    for (let j = 0; j < w.length; j++) {
      diff = Math.max(diff, Math.abs(w[j]! - v[j]!));
      scale = Math.max(scale, Math.abs(v[j]!));
    }
  });
  return diff / scale;
}

describe('the reference model on cpu and on wasm', () => {
  it(
    `reaches the same loss after ${STEPS} Adam steps (and the same weights), fused kernels or plain tfjs ops`,
    { timeout: 300_000 },
    async () => {
      const dir = tempDir('mmx-backends-');
      try {
        const manifest = avmnistSubset(dir, { train: 2, validation: 1, test: 1 }, ['fsdd_speaker']);
        const file = path.join(dir, 'exp.yaml');
        writeFileSync(file, CONFIG(manifest));
        await initBackend('cpu');
        const checked = checkSemantics(loadConfig(file));
        const data = await prepareData(checked);
        assert.ok(data.train.labels.length >= STEPS * BATCH, `${data.train.labels.length} training rows`);

        await initBackend('wasm');
        const initialModel = buildModel(checked.config, modelInputs(data), data.state.target);
        const initial = initialModel.model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        initialModel.model.dispose();
        const wasm = await train(checked, data, initial);

        await initBackend('cpu');
        const cpu = await train(checked, data, initial);
        setFusedUpdates(false);
        setFusedReluGradient(false);
        let plain: Awaited<ReturnType<typeof train>>;
        try {
          plain = await train(checked, data, initial);
        } finally {
          setFusedUpdates(true);
          setFusedReluGradient(true);
        }

        // the model learns: the loss moves (a model that never trained would pass every comparison below)
        assert.ok(Math.abs(wasm.losses[STEPS - 1]! - wasm.losses[0]!) > 1e-3, `losses ${wasm.losses.join(', ')}`);
        for (let s = 0; s < STEPS; s++) {
          const rel = Math.abs(wasm.losses[s]! - cpu.losses[s]!) / Math.abs(cpu.losses[s]!);
          assert.ok(rel < 1e-4, `step ${s + 1}: wasm loss ${wasm.losses[s]} vs cpu ${cpu.losses[s]} (relative ${rel})`);
          // cpu with its fused kernels and cpu with plain tfjs ops compute the same float32 operations
          assert.equal(plain.losses[s], cpu.losses[s], `step ${s + 1}: plain tfjs ops ${plain.losses[s]} vs fused ${cpu.losses[s]}`);
        }
        assert.ok(maxRel(wasm.weights, cpu.weights) < 1e-3, `weights: relative max abs diff ${maxRel(wasm.weights, cpu.weights)}`);
        assert.equal(maxRel(plain.weights, cpu.weights), 0);
      } finally {
        await initBackend('wasm');
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
