/**
 * `mmx run` with `--set runtime.workers=2` on a real AV-MNIST subset through the reference model's encoders
 * (image CNN + audio Conv1D: Conv2D/Conv1D, pooling and dense gradients in the workers' wasm backends): the run
 * finishes, says it trains on 2 threads, learns (test accuracy well above chance), and the process exits; Ctrl-C
 * mid-training ends it KILLED with exit code 130 promptly (the workers do not keep it alive).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tempDir } from '../helpers/tmp.js';

const setup = (epochs: number): string => {
  const dir = tempDir('mmx-parallel-e2e-');
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
training: {epochs: ${epochs}, batch_size: 32, optimizer: {type: adam, learning_rate: 0.003}}
evaluation: {metrics: [accuracy]}
tracking: {uri: runs, experiment: parallel}
runtime: {backend: wasm}
`,
  );
  return dir;
};

describe('mmx run with runtime.workers: 2', () => {
  it('trains the image + audio model data-parallel on real data and exits', { timeout: 300_000 }, async () => {
    const dir = setup(6);
    const r = await runCli(['run', 'exp.yaml', '--set', 'runtime.workers=2'], { cwd: dir, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    if (process.env.SHOW) console.log(r.stdout);
    assert.match(r.stdout, /training data-parallel on 2 threads/);
    const acc = Number(/^\s*accuracy\s+([0-9.]+)/m.exec(r.stdout)?.[1]);
    assert.ok(acc > 0.3, `test accuracy ${acc} (chance 0.1)\n${r.stdout}`);
  });

  it('Ctrl-C during data-parallel training ends the run KILLED, exits 130 and leaves no thread running', { timeout: 300_000 }, async () => {
    const dir = setup(50);
    let sent = false;
    const t0 = Date.now();
    let tSent = 0;
    const r = await runCli(['run', 'exp.yaml', '--plain', '--set', 'runtime.workers=2'], {
      cwd: dir,
      timeoutMs: 280_000,
      onStdout: (chunk, child) => {
        // right after the first epoch: steps are in flight in both threads
        if (!sent && /epoch\s+1\/50/.test(chunk)) {
          sent = true;
          tSent = Date.now();
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, `never saw the first epoch:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout + r.stderr, /KILLED/);
    assert.ok(
      Date.now() - tSent < 30_000,
      `exited ${(Date.now() - tSent) / 1000} s after Ctrl-C (run started ${(tSent - t0) / 1000} s in)`,
    );
  });
});
