/**
 * Many classes: what grows with the class count is bounded. 10,000 classes used to train and then die writing
 * the confusion matrix (`Invalid string length`), losing the run. Here: the metrics are counted without a dense
 * 10⁸-cell matrix; the confusion matrix files are sparse above 200 classes; the predictions CSV lists the top 5
 * classes above 50; the terminal's per-class table and the report's are bounded; the confusion plot is left out
 * (with a note) above 100 classes; an optional artifact that fails is a warning, after the model and metrics are
 * saved. One end-to-end run with 300 classes checks the artifacts a run writes.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { classificationReport, DENSE_CONFUSION_MAX_CLASSES } from '../../src/evaluate/classification-metrics.js';
import { confusionCsv, confusionJson } from '../../src/evaluate/confusion-artifacts.js';
import { predictionsCsv, topIndices } from '../../src/evaluate/predictions-csv.js';
import { buildRunReport } from '../../src/report/index.js';
import { logOptionalArtifacts } from '../../src/runner/optional-artifacts.js';
import { resultsLines } from '../../src/ui/sections.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** n examples over k classes: truth i % k, predicted right for every third example, else the next class. */
function synthetic(n: number, k: number) {
  const truth = Int32Array.from({ length: n }, (_, i) => i % k);
  const predicted = Int32Array.from(truth, (t, i) => (i % 3 === 0 ? t : (t + 1) % k));
  const labels = Array.from({ length: k }, (_, c) => `class_${c}`);
  return { truth, predicted, labels };
}

describe('10,000 classes: bounded evaluation artifacts', () => {
  const K = 10_000;
  const N = 20_000;
  const { truth, predicted, labels } = synthetic(N, K);
  const result = classificationReport('test', truth, predicted, labels, ['accuracy', 'macro_f1']);

  it('counts the metrics without a dense confusion matrix', () => {
    assert.equal(result.confusion.length, 0, 'no 10,000 × 10,000 matrix');
    const cells = result.confusionCells!;
    assert.ok(cells.length <= N);
    assert.equal(
      cells.reduce((a, c) => a + c[2], 0),
      N,
    );
    // class 0: examples 0, 10000 (truth 0); predicted right when i % 3 == 0 (0 yes, 10000 no)
    assert.deepEqual(
      cells.filter((c) => c[0] === 0),
      [
        [0, 0, 1],
        [0, 1, 1],
      ],
    );
    assert.equal(result.metrics.accuracy, Math.ceil(N / 3) / N);
    const c0 = result.perClass[0]!;
    assert.equal(c0.support, 2);
    assert.equal(c0.recall, 0.5);
  });

  it('the same metrics as the dense matrix when it is small', () => {
    const small = synthetic(600, 12);
    const r = classificationReport('test', small.truth, small.predicted, small.labels, ['macro_f1']);
    assert.equal(r.confusion.length, 12);
    assert.equal(r.confusionCells, undefined);
    const c = r.confusion;
    for (let j = 0; j < 12; j++) {
      const tp = c[j]![j]!;
      const support = c[j]!.reduce((a, b) => a + b, 0);
      const pred = c.reduce((a, row) => a + row[j]!, 0);
      assert.equal(r.perClass[j]!.precision, pred ? tp / pred : 0);
      assert.equal(r.perClass[j]!.recall, tp / support);
    }
  });

  it('writes the confusion matrix sparse: one line per non-zero cell', () => {
    const json = confusionJson(result)!;
    assert.ok('cells' in json && json.format === 'sparse');
    assert.equal(json.cells.length, result.confusionCells!.length);
    assert.deepEqual(json.cells[0], { true: 'class_0', predicted: 'class_0', count: 1 });
    const csv = confusionCsv(result)!;
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'true,predicted,count');
    assert.equal(lines.length, result.confusionCells!.length + 1);
    assert.ok(csv.length < 40 * N, `${csv.length} characters`);
    // dense below the bound
    const small = synthetic(100, DENSE_CONFUSION_MAX_CLASSES);
    const dense = classificationReport('test', small.truth, small.predicted, small.labels, []);
    assert.ok('matrix' in confusionJson(dense)!);
    assert.equal(confusionCsv(dense)!.trimEnd().split('\n').length, DENSE_CONFUSION_MAX_CLASSES + 1);
  });

  it('lists the top 5 classes per prediction instead of a column per class', () => {
    const rows = 2_000;
    const probabilities = new Float32Array(rows * K);
    for (let i = 0; i < rows; i++) {
      probabilities.fill(1e-5, i * K, (i + 1) * K);
      for (let r = 0; r < 6; r++) probabilities[i * K + ((i + r * 7) % K)] = 0.5 - r * 0.05;
    }
    const split = { rows: Array.from({ length: rows }, (_, i) => i), labels: truth.subarray(0, rows), targets: new Float32Array(0) };
    const csv = predictionsCsv(split, probabilities, predicted.subarray(0, rows), labels, true).toString('utf8');
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'row,label,predicted,top_1,p_top_1,top_2,p_top_2,top_3,p_top_3,top_4,p_top_4,top_5,p_top_5');
    assert.equal(lines.length, rows + 1);
    assert.match(
      lines[1]!,
      /^1,class_0,class_0,class_0,0\.500000,class_7,0\.450000,class_14,0\.400000,class_21,0\.350000,class_28,0\.300000$/,
    );
    assert.ok(csv.length < rows * 200, `${csv.length} bytes for ${rows} rows`);
    assert.deepEqual(topIndices([0.1, 0.4, 0.4, 0.05, 0.9], 3), [4, 1, 2]);
  });

  it('shows at most 30 classes in the terminal and 100 in the report, and no confusion plot', async () => {
    const lines = resultsLines(result);
    assert.ok(lines.length < 60, `${lines.length} lines`);
    assert.ok(lines.some((l) => /the 30 classes with the most examples of 10,000/.test(l)));
    assert.ok(lines.some((l) => /^ {2}macro avg /.test(l)));
    const report = await buildRunReport({ run: { name: 'many', id: 'r1' }, history: [], test: result });
    assert.equal(report['plots/confusion_matrix.svg'], undefined);
    const html = String(report['report.html']);
    assert.match(html, /The confusion matrix is not plotted: 10,000 classes, more than 100/);
    assert.match(html, /The 100 classes with the most examples of 10,000/);
    assert.ok(html.length < 200_000, `${html.length} characters`);
  });
});

describe('optional artifacts', () => {
  it('one that fails is a warning; the others are still written', async () => {
    const written: string[] = [];
    const warnings: string[] = [];
    const failed = await logOptionalArtifacts(
      { logArtifact: async (_run: string, p: string) => void written.push(p) },
      'run',
      [
        { name: 'a.csv', build: () => ({ 'a.csv': 'x' }) },
        {
          name: 'the report',
          build: () => {
            throw new RangeError('Invalid string length');
          },
        },
        { name: 'nothing', build: () => undefined },
        { name: 'b.json', build: async () => ({ 'b.json': '{}' }) },
      ],
      (m) => warnings.push(m),
    );
    assert.deepEqual(failed, ['the report']);
    assert.deepEqual(written, ['a.csv', 'b.json']);
    assert.match(warnings[0]!, /could not write the report \(Invalid string length\); the model and the metrics are saved/);
  });
});

describe('mmx run with 300 classes (end to end)', () => {
  it('finishes with sparse confusion files, top-5 predictions and a report without the plot', { timeout: 240_000 }, async () => {
    const dir = tempDir('mmx-many-classes-');
    const k = 300;
    const rows = ['a,b,label,split'];
    for (let c = 0; c < k; c++)
      for (const s of ['train', 'train', 'validation', 'test']) rows.push(`${(c % 17) / 17},${(c % 23) / 23},c${c},${s}`);
    writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: many
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: 1, batch_size: 64}
tracking: {uri: runs, experiment: many}
`,
    );
    const r = await runCli(['run', 'exp.yaml', '--json'], { cwd: dir, timeoutMs: 220_000 });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { artifact_dir: string; status: string; confusion_matrix: { format?: string } };
    assert.equal(summary.status, 'FINISHED');
    assert.equal(summary.confusion_matrix.format, 'sparse');
    const art = summary.artifact_dir;
    const read = (p: string) => readFileSync(path.join(art, p), 'utf8');
    assert.equal(read('confusion_matrix.csv').split('\n')[0], 'true,predicted,count');
    assert.match(read('predictions/test.csv').split('\n')[0]!, /^row,label,predicted,top_1,p_top_1,.*,top_5,p_top_5$/);
    assert.match(read('report.html'), /The confusion matrix is not plotted: 300 classes/);
    assert.ok(read('model/model.json').length > 0);
    assert.equal((JSON.parse(read('metrics.json')) as { per_class: unknown[] }).per_class.length, k);
  });
});
