/**
 * Sweep trials share the feature cache: trials that vary only training or model options decode once — two trials
 * starting together included: one decodes, the other waits for its entry — the others hit (tag `mmx.cache`);
 * `mmx sweep --no-cache` reaches every trial.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MlflowFileStoreReader } from '../tracking/mlflow-reader.js';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tmp } from './helpers.js';

const CONFIG = `
name: cache-sweep
data: {path: manifest.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path, encoder: {type: cnn, filters: [8], output_dim: 16}}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, n_mels: 16, max_duration_s: 0.5}
    encoder: {type: cnn1d, filters: [8], kernel_size: 3, output_dim: 16}
training: {epochs: 1, batch_size: 32}
tracking: {uri: runs, experiment: cache-sweep}
runtime: {backend: wasm}
sweep:
  method: grid
  metric: {name: val_accuracy, goal: maximize}
  parallel: 2
  parameters:
    training.optimizer.learning_rate: {values: [0.003, 0.01]}
    fusion.type: {values: [concat, sum]}
`;

interface Summary {
  experiment_id: string;
  trials: { trial: number; status: string; run_id: string }[];
}

describe('sweeps and the feature cache', () => {
  it('one trial decodes, the others (also the one started with it) hit; --no-cache reaches every trial', { timeout: 400_000 }, async () => {
    const dir = tmp();
    avmnistSubset(dir, { train: 4, validation: 2, test: 2 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG);
    const env = { MMX_CACHE_DIR: path.join(dir, 'cache') };
    const tags = async (...extra: string[]): Promise<string[]> => {
      const r = await runCli(['sweep', 'exp.yaml', '--json', '--out', `out${extra.length}`, ...extra], {
        cwd: dir,
        env,
        timeoutMs: 380_000,
      });
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as Summary;
      const reader = new MlflowFileStoreReader(path.join(dir, 'runs'));
      return [...s.trials].sort((a, b) => a.trial - b.trial).map((t) => reader.getRun(t.run_id).tags['mmx.cache'] ?? '?');
    };
    assert.deepEqual(await tags('--no-cache'), ['off', 'off', 'off', 'off']);
    assert.equal(existsSync(path.join(dir, 'cache', 'features')) ? readdirSync(path.join(dir, 'cache', 'features')).length : 0, 0);
    assert.deepEqual((await tags()).sort(), ['hit', 'hit', 'hit', 'miss']);
  });
});
