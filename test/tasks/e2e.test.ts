/**
 * One small end-to-end `mmx run` per task on real data, read back from the run's artifacts, and `mmx evaluate`
 * on the saved model reproducing the logged test metrics (same preprocessing state, same task):
 * binary on an SMS spam subset, regression (body mass) and classification (species, class weights + label
 * smoothing) on penguins, and multilabel on a manifest built from penguins (species | sex | heavy).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { runCli } from '../helpers/cli.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

interface Summary {
  run_id: string;
  experiment_id: string;
  artifact_dir: string;
  metrics: Record<string, number>;
}

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (header: string[], rows: string[][]): string => [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
const readRows = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

async function run(dir: string, yaml: string): Promise<Summary> {
  writeFileSync(path.join(dir, 'exp.yaml'), yaml);
  const r = await runCli(['run', 'exp.yaml', '--json'], { cwd: dir, timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Summary;
}

async function evaluate(dir: string, s: Summary): Promise<{ rows: number; task: string; metrics: Record<string, number> }> {
  const ev = await runCli(['evaluate', s.run_id, 'manifest.csv', '--split', 'test', '--json', '--uri', 'runs'], { cwd: dir });
  assert.equal(ev.code, 0, ev.stderr);
  return JSON.parse(ev.stdout) as { rows: number; task: string; metrics: Record<string, number> };
}

const TRAINING = (epochs: number, lr = 0.01) => `training:
  epochs: ${epochs}
  batch_size: 16
  optimizer: {type: adam, learning_rate: ${lr}}
tracking: {uri: runs, experiment: tasks}
`;

const PENGUIN_INPUTS = `inputs:
  m:
    type: numeric
    column: bill_length_mm
    columns: [bill_depth_mm, flipper_length_mm]
    preprocessing: {missing: median}
    encoder: {type: dense, layers: [16], output_dim: 16}
`;

describe('every task end to end on real data', () => {
  it('binary: SMS spam subset — sigmoid output, positive-class metrics, ROC AUC, thresholds, evaluate', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-tasks-');
    const quota: Record<string, number> = { train: 400, validation: 80, test: 150 };
    const rows = readRows(dataPath('sms_spam', 'manifest.csv')).filter((r) => quota[r.split!]! > 0 && quota[r.split!]!-- > 0);
    writeFileSync(
      path.join(dir, 'manifest.csv'),
      csv(
        ['text', 'label', 'split'],
        rows.map((r) => [r.text!, r.label!, r.split!]),
      ),
    );
    const test = rows.filter((r) => r.split === 'test');
    const majority = Math.max(...['ham', 'spam'].map((c) => test.filter((r) => r.label === c).length)) / test.length;
    const s = await run(
      dir,
      `name: tasks-binary
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: binary, positive_class: spam}
inputs:
  sms: {type: text, column: text, preprocessing: {max_length: 40, vocab_size: 2000}, encoder: {type: embedding_bag, embedding_dim: 16, pooling: max, output_dim: 16}}
evaluation: {metrics: [accuracy, f1, roc_auc]}
${TRAINING(6)}`,
    );
    assert.deepEqual(Object.keys(s.metrics).sort(), ['test_accuracy', 'test_f1', 'test_loss', 'test_roc_auc']);
    assert.ok(s.metrics.test_roc_auc! > 0.85, `ROC AUC ${s.metrics.test_roc_auc}`);
    assert.ok(s.metrics.test_accuracy! > majority, `accuracy ${s.metrics.test_accuracy} vs majority ${majority}`);
    const art = s.artifact_dir;
    const preds = readFileSync(path.join(art, 'predictions', 'test.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(preds[0], 'row,label,predicted,p_ham,p_spam');
    assert.equal(preds.length, test.length + 1);
    assert.match(readFileSync(path.join(art, 'thresholds.csv'), 'utf8'), /^threshold,precision,recall,f1\n0\.05,/);
    assert.ok(existsSync(path.join(art, 'plots', 'confusion_matrix.svg')));
    assert.match(readFileSync(path.join(art, 'plots', 'roc_pr_curves.svg'), 'utf8'), /ROC curve \(AUC \d\.\d{3}\)/);
    const state = JSON.parse(readFileSync(path.join(art, 'preprocessing.json'), 'utf8')) as {
      target: { classes: string[]; threshold: number };
    };
    assert.deepEqual(state.target.classes, ['ham', 'spam']);
    const ev = await evaluate(dir, s);
    assert.equal(ev.rows, test.length);
    assert.equal(ev.metrics.accuracy, s.metrics.test_accuracy);
    assert.equal(ev.metrics.roc_auc, s.metrics.test_roc_auc);
  });

  it('regression: penguin body mass — linear output, metrics in grams, beats the mean predictor', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-tasks-');
    const rows = readRows(dataPath('penguins', 'manifest.csv'));
    writeFileSync(path.join(dir, 'manifest.csv'), readFileSync(dataPath('penguins', 'manifest.csv')));
    const train = rows.filter((r) => r.split === 'train' && r.body_mass_g !== '').map((r) => Number(r.body_mass_g));
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const test = rows.filter((r) => r.split === 'test' && r.body_mass_g !== '').map((r) => Number(r.body_mass_g));
    const baselineMae = test.reduce((a, y) => a + Math.abs(y - mean), 0) / test.length;
    const s = await run(
      dir,
      `name: tasks-regression
data: {path: manifest.csv, split: {column: split}}
target: {column: body_mass_g, task: regression, loss: huber, missing: drop_row}
${PENGUIN_INPUTS}  sex: {type: categorical, column: sex, encoder: {type: onehot}}
${TRAINING(25)}`,
    );
    assert.deepEqual(Object.keys(s.metrics).sort(), ['test_loss', 'test_mae', 'test_r2', 'test_rmse']);
    assert.ok(s.metrics.test_mae! < 0.6 * baselineMae, `MAE ${s.metrics.test_mae} g vs mean predictor ${baselineMae} g`);
    assert.ok(s.metrics.test_r2! > 0.5, `R² ${s.metrics.test_r2}`);
    const art = s.artifact_dir;
    assert.ok(!existsSync(path.join(art, 'confusion_matrix.json')), 'no confusion matrix for regression');
    assert.ok(!existsSync(path.join(art, 'plots', 'confusion_matrix.svg')));
    const preds = readRows(path.join(art, 'predictions', 'test.csv'));
    assert.equal(preds.length, test.length);
    // predictions and labels in grams
    preds.forEach((p, k) =>
      assert.ok(Math.abs(Number(p.label) - test[k]!) < 0.01 && Number(p.predicted) > 2000 && Number(p.predicted) < 7000, JSON.stringify(p)),
    );
    const predMae = preds.reduce((a, p) => a + Math.abs(Number(p.predicted) - Number(p.label)), 0) / preds.length;
    assert.ok(Math.abs(predMae - s.metrics.test_mae!) < 0.05, `${predMae} vs ${s.metrics.test_mae}`);
    const ev = await evaluate(dir, s);
    assert.equal(ev.task, 'regression');
    assert.ok(Math.abs(ev.metrics.mae! - s.metrics.test_mae!) < 1e-6);
  });

  it('multilabel: species | sex | heavy from penguin measurements — micro/macro F1, subset accuracy', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-tasks-');
    const rows = readRows(dataPath('penguins', 'manifest.csv')).filter((r) => r.body_mass_g !== '');
    const tags = (r: Record<string, string>) =>
      [r.label!, ...(r.sex ? [r.sex] : []), ...(Number(r.body_mass_g) > 4500 ? ['heavy'] : [])].join('|');
    writeFileSync(
      path.join(dir, 'manifest.csv'),
      csv(
        ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'tags', 'split'],
        rows.map((r) => [r.bill_length_mm!, r.bill_depth_mm!, r.flipper_length_mm!, tags(r), r.split!]),
      ),
    );
    const s = await run(
      dir,
      `name: tasks-multilabel
data: {path: manifest.csv, split: {column: split}}
target: {column: tags, task: multilabel}
${PENGUIN_INPUTS}evaluation: {metrics: [micro_f1, macro_f1, subset_accuracy, hamming_loss]}
${TRAINING(30)}`,
    );
    assert.deepEqual(Object.keys(s.metrics).sort(), [
      'test_hamming_loss',
      'test_loss',
      'test_macro_f1',
      'test_micro_f1',
      'test_subset_accuracy',
    ]);
    assert.ok(s.metrics.test_micro_f1! > 0.75, `micro F1 ${s.metrics.test_micro_f1}`);
    assert.ok(s.metrics.test_subset_accuracy! > 0.3, `subset accuracy ${s.metrics.test_subset_accuracy}`);
    const art = s.artifact_dir;
    const state = JSON.parse(readFileSync(path.join(art, 'preprocessing.json'), 'utf8')) as {
      target: { classes: string[]; delimiter: string };
    };
    assert.deepEqual(state.target.classes, ['Adelie', 'Chinstrap', 'Gentoo', 'female', 'heavy', 'male']);
    const preds = readFileSync(path.join(art, 'predictions', 'test.csv'), 'utf8').split('\n');
    assert.equal(preds[0], 'row,label,predicted,p_Adelie,p_Chinstrap,p_Gentoo,p_female,p_heavy,p_male');
    const metrics = JSON.parse(readFileSync(path.join(art, 'metrics.json'), 'utf8')) as { per_label: { label: string }[] };
    assert.equal(metrics.per_label.length, 6);
    const ev = await evaluate(dir, s);
    assert.equal(ev.metrics.micro_f1, s.metrics.test_micro_f1);
    assert.equal(ev.metrics.subset_accuracy, s.metrics.test_subset_accuracy);
  });

  it('classification: penguin species with balanced class weights and label smoothing', { timeout: 300_000 }, async () => {
    const dir = tempDir('mmx-tasks-');
    writeFileSync(path.join(dir, 'manifest.csv'), readFileSync(dataPath('penguins', 'manifest.csv')));
    const s = await run(
      dir,
      `name: tasks-classification
data: {path: manifest.csv, split: {column: split}}
target: {column: label, class_weight: balanced, label_smoothing: 0.1}
${PENGUIN_INPUTS}evaluation: {metrics: [accuracy, macro_f1, weighted_f1]}
${TRAINING(20)}`,
    );
    assert.ok(s.metrics.test_accuracy! > 0.85, `accuracy ${s.metrics.test_accuracy}`);
    assert.ok(s.metrics.test_weighted_f1! > 0.85);
    const state = JSON.parse(readFileSync(path.join(s.artifact_dir, 'preprocessing.json'), 'utf8')) as {
      target: { classWeights: number[] };
    };
    assert.equal(state.target.classWeights.length, 3);
  });
});
