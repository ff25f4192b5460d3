/**
 * `mmx run` with `--set runtime.workers=2` on a real AV-MNIST subset through the reference model's encoders
 * (image CNN + audio Conv1D: Conv2D/Conv1D, pooling and dense gradients in the workers' wasm backends): the run
 * finishes, says it trains on 2 threads, learns (test accuracy well above chance), and the process exits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';

describe('mmx run with runtime.workers: 2', () => {
  it('trains the image + audio model data-parallel on real data and exits', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-parallel-e2e-'));
    avmnistSubset(dir, { train: 30, validation: 6, test: 10 });
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: parallel-e2e
data: {path: manifest.csv, split: {column: split}}
target: {column: label}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: 28, width: 28, channels: 1}
    encoder: {type: cnn, filters: [8, 16], kernel_size: 3, output_dim: 32}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 20, window_ms: 25, hop_ms: 20, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [16], kernel_size: 5, output_dim: 32}
fusion: {type: concat, hidden: [32]}
training: {epochs: 6, batch_size: 32, optimizer: {type: adam, learning_rate: 0.003}}
evaluation: {metrics: [accuracy]}
tracking: {uri: runs, experiment: parallel}
runtime: {backend: wasm}
`,
    );
    const r = await runCli(['run', 'exp.yaml', '--set', 'runtime.workers=2'], { cwd: dir, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    if (process.env.SHOW) console.log(r.stdout);
    assert.match(r.stdout, /training data-parallel on 2 threads/);
    const acc = Number(/^\s*accuracy\s+([0-9.]+)/m.exec(r.stdout)?.[1]);
    assert.ok(acc > 0.3, `test accuracy ${acc} (chance 0.1)\n${r.stdout}`);
  });
});
