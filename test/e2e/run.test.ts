/**
 * End to end: `mmx run` on a small stratified subset of the real AV-MNIST-style data, read back from the
 * MLflow file store; and the CLI's answers to broken configs and data (exit 2, one clear message, no stack).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { dataPath } from '../helpers/data.js';
import { avmnistSubset } from '../helpers/subset.js';
import { MlflowFileStoreReader } from '../tracking/mlflow-reader.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = (manifest: string) => `name: e2e-avmnist
seed: 7
data:
  path: ${manifest}
  split: {column: split}
target: {column: label}
inputs:
  image:
    type: image
    column: image_path
    encoder: {type: cnn, filters: [8, 16], output_dim: 32}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, n_mels: 20, max_duration_s: 0.8}
    encoder: {type: cnn1d, filters: [16], kernel_size: 3, output_dim: 32}
fusion: {type: concat, hidden: [32]}
training:
  epochs: 3
  batch_size: 32
  optimizer: {type: adam, learning_rate: 0.003}
  early_stopping: {monitor: val_loss, patience: 5, restore_best: true}
tracking: {uri: runs, experiment: e2e}
`;

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, `stack trace printed:\n${s}`);

describe('mmx run (end to end on real data)', () => {
  it('trains, evaluates and logs a FINISHED run in MLflow file-store layout', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-e2e-');
    const manifest = avmnistSubset(dir, { train: 24, validation: 6, test: 6 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG(path.basename(manifest)));
    // a --set (here the value the file has) shows in the run's name and in its mmx.overrides tag
    const r = await runCli(['run', 'exp.yaml', '--json', '--set', 'seed=7'], { cwd: dir, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    noStack(r.stderr);
    const summary = JSON.parse(r.stdout) as {
      run_id: string;
      experiment_id: string;
      metrics: Record<string, number>;
      artifact_dir: string;
      backend: string;
    };
    assert.match(summary.run_id, /^[0-9a-f]{32}$/);
    assert.match(summary.backend, /^wasm|^tensorflow|^cpu/);
    // 10 balanced classes: chance is 0.1; three short epochs on 240 examples already do far better
    assert.ok(summary.metrics.test_accuracy! > 0.4, `test accuracy ${summary.metrics.test_accuracy}`);
    const runDir = path.join(dir, 'runs', summary.experiment_id, summary.run_id);
    const meta = readFileSync(path.join(runDir, 'meta.yaml'), 'utf8');
    assert.match(meta, /^status: 3$/m); // FINISHED
    assert.match(meta, /^end_time: \d{13}$/m);
    const valLoss = readFileSync(path.join(runDir, 'metrics', 'val_loss'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(valLoss.length, 3);
    valLoss.forEach((line, i) => assert.match(line, new RegExp(`^\\d{13} \\S+ ${i + 1}$`)));
    assert.ok(existsSync(path.join(runDir, 'metrics', 'test_accuracy')));
    assert.ok(existsSync(path.join(runDir, 'metrics', 'samples_per_sec')));
    assert.equal(readFileSync(path.join(runDir, 'params', 'training.epochs'), 'utf8'), '3');
    assert.equal(readFileSync(path.join(runDir, 'params', 'inputs.image.encoder.filters'), 'utf8'), '[8,16]');
    for (const tag of [
      'mlflow.runName',
      'mlflow.user',
      'mlflow.source.name',
      'mmx.config_hash',
      'mmx.data_hash',
      'mmx.backend',
      'mmx.version',
    ]) {
      assert.ok(existsSync(path.join(runDir, 'tags', tag)), `tag ${tag}`);
    }
    const artifacts = path.join(runDir, 'artifacts');
    for (const f of [
      'report.html',
      'plots/learning_curves.png',
      'plots/learning_curves.svg',
      'plots/confusion_matrix.png',
      'plots/confusion_matrix.svg',
      'predictions/test.csv',
      'config/config.yaml',
      'config/config.resolved.yaml',
      'metrics.json',
      'confusion_matrix.json',
      'confusion_matrix.csv',
      'preprocessing.json',
      'model/model.json',
      'model/weights.bin',
      'model/MLmodel',
    ]) {
      assert.ok(existsSync(path.join(artifacts, f)), `artifact ${f}`);
    }
    const cm = JSON.parse(readFileSync(path.join(artifacts, 'confusion_matrix.json'), 'utf8')) as { matrix: number[][] };
    assert.equal(
      cm.matrix.flat().reduce((a, b) => a + b, 0),
      60,
    );

    // every file read back the way MLflow's FileStore reads it (strict port; throws on anything it would reject)
    const reader = new MlflowFileStoreReader(path.join(dir, 'runs'));
    assert.equal(reader.getExperimentByName('e2e')?.experimentId, summary.experiment_id);
    const run = reader.getRun(summary.run_id);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.tags['mlflow.runName'], 'e2e-avmnist [seed=7]');
    assert.equal(run.tags['mmx.overrides'], '["seed=7"]');
    assert.equal(run.metrics.test_accuracy?.value, summary.metrics.test_accuracy);
    assert.deepEqual(
      reader.getMetricHistory(summary.run_id, 'train_loss').map((m) => m.step),
      [1, 2, 3],
    );
    assert.ok(reader.listArtifacts(summary.run_id).length > 0);

    // the saved model + preprocessing state reproduce the logged test accuracy exactly
    const ev = await runCli(['evaluate', summary.run_id, 'manifest.csv', '--split', 'test', '--json', '--uri', 'runs'], { cwd: dir });
    assert.equal(ev.code, 0, ev.stderr);
    const evaluated = JSON.parse(ev.stdout) as { rows: number; metrics: Record<string, number> };
    assert.equal(evaluated.rows, 60);
    assert.equal(evaluated.metrics.accuracy, summary.metrics.test_accuracy);
    assert.equal(evaluated.metrics.macro_f1, summary.metrics.test_macro_f1);
    const pr = await runCli(
      [
        'predict',
        path.join('runs', summary.experiment_id, summary.run_id, 'artifacts'),
        'manifest.csv',
        '--split',
        'test',
        '--out',
        'preds.csv',
      ],
      { cwd: dir },
    );
    assert.equal(pr.code, 0, pr.stderr);
    const preds = readFileSync(path.join(dir, 'preds.csv'), 'utf8').trim().split('\n');
    assert.equal(preds.length, 61);
    assert.match(preds[0]!, /^row,label,predicted,p_0,p_1,/);
    assert.equal(readFileSync(path.join(artifacts, 'predictions', 'test.csv'), 'utf8'), readFileSync(path.join(dir, 'preds.csv'), 'utf8'));
  });

  it('ends the run KILLED on Ctrl-C (SIGINT) and exits 130', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-e2e-');
    const manifest = avmnistSubset(dir, { train: 24, validation: 6, test: 6 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG(path.basename(manifest)).replace('epochs: 3', 'epochs: 50'));
    let sent = false;
    const r = await runCli(['run', 'exp.yaml', '--plain'], {
      cwd: dir,
      timeoutMs: 280_000,
      onStdout: (_c, child) => {
        if (!sent && /epoch\s+1\/50/.test(_c)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, `never saw the first epoch:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    const exp = readdirSync(path.join(dir, 'runs')).filter((d) => /^\d+$/.test(d) && d !== '0');
    assert.equal(exp.length, 1);
    const runs = readdirSync(path.join(dir, 'runs', exp[0]!)).filter((d) => /^[0-9a-f]{32}$/.test(d));
    assert.equal(runs.length, 1);
    const runDir = path.join(dir, 'runs', exp[0]!, runs[0]!);
    assert.match(readFileSync(path.join(runDir, 'meta.yaml'), 'utf8'), /^status: 5$/m); // KILLED
    // what it logged before the interruption is kept
    assert.ok(
      readFileSync(path.join(runDir, 'metrics', 'val_loss'), 'utf8')
        .trim()
        .split('\n').length >= 1,
    );
  });
});

describe('mmx run / validate: user errors exit 2 with one clear message', () => {
  const setup = () => {
    const dir = tempDir('mmx-bad-');
    const manifest = avmnistSubset(dir, { train: 2, validation: 1, test: 1 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG(path.basename(manifest)));
    return { dir, manifest };
  };

  it('bad config: file:line:column, key path, did-you-mean', async () => {
    const { dir } = setup();
    writeFileSync(path.join(dir, 'bad.yaml'), readFileSync(path.join(dir, 'exp.yaml'), 'utf8').replace('kernel_size: 3', 'kernal_size: 3'));
    for (const cmd of ['run', 'validate']) {
      const r = await runCli([cmd, 'bad.yaml'], { cwd: dir });
      assert.equal(r.code, 2);
      noStack(r.stderr);
      assert.match(
        r.stderr,
        /bad\.yaml:16:\d+: inputs\.speech\.encoder\.kernal_size: unknown key 'kernal_size' \(did you mean 'kernel_size'\?\)/,
      );
    }
  });

  it('unreadable image: names the row, the column and the path', async () => {
    const { dir, manifest } = setup();
    const lines = readFileSync(manifest, 'utf8').split('\n');
    const broken = path.join(dir, 'broken.png');
    writeFileSync(broken, 'this is not a png');
    const cells = lines[3]!.split(',');
    cells[0] = broken;
    lines[3] = cells.join(',');
    writeFileSync(manifest, lines.join('\n'));
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    noStack(r.stderr);
    assert.match(r.stderr, /manifest\.csv:4 \(row 3, column image_path\): cannot decode image/);
    assert.match(r.stderr, /broken\.png/);
  });

  it('a missing audio file with data.on_error: skip is a counted warning, not a failure', async () => {
    const { dir, manifest } = setup();
    const lines = readFileSync(manifest, 'utf8').split('\n');
    const cells = lines[1]!.split(',');
    cells[1] = path.join(dir, 'missing.wav');
    lines[1] = cells.join(',');
    writeFileSync(manifest, lines.join('\n'));
    const cfg = readFileSync(path.join(dir, 'exp.yaml'), 'utf8')
      .replace('split: {column: split}', 'split: {column: split}\n  on_error: skip')
      .replace('epochs: 3', 'epochs: 1');
    writeFileSync(path.join(dir, 'skip.yaml'), cfg);
    const r = await runCli(['run', 'skip.yaml', '--plain'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipped 1 row/);
  });

  it('a manifest with a broken row: names the line', async () => {
    const { dir, manifest } = setup();
    writeFileSync(manifest, readFileSync(manifest, 'utf8') + 'only,three,fields,here,extra\n');
    const r = await runCli(['validate', 'exp.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    noStack(r.stderr);
    assert.match(r.stderr, /exp\.yaml:4:\d+: data\.path: .*manifest\.csv:\d+ \(row \d+\): has 5 fields, the header has 4/);
  });

  it('an unavailable explicit backend is a clear usage error', async () => {
    const { dir } = setup();
    const r = await runCli(['run', 'exp.yaml', '--set', 'runtime.backend=tensorflow'], { cwd: dir });
    assert.equal(r.code, 2);
    noStack(r.stderr);
    assert.match(r.stderr, /tfjs-node/);
  });
});
