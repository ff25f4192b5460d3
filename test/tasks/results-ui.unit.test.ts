/** The results block for the tasks without a confusion matrix: multilabel (per-label table) and regression (metrics only). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { binaryCurves } from '../../src/evaluate/curves.js';
import { thresholdTable } from '../../src/evaluate/task-metrics.js';
import { rocAuc } from '../../src/metrics/definitions/roc-auc.js';
import type { EvaluationResult, RunSummary } from '../../src/core/run-events.js';
import { ResultsTable } from '../../src/ui/ink/components/ResultsTable.js';
import { resultsLines, summaryFields } from '../../src/ui/sections.js';

describe('results for every task', () => {
  it('regression: metrics in the target units, no per-class table, no confusion matrix', () => {
    const lines = resultsLines({
      split: 'test',
      examples: 65,
      metrics: { loss: 0.165, mae: 244.8, rmse: 317, r2: 0.845 },
      perClass: [],
      labels: [],
      confusion: [],
    });
    assert.deepEqual(lines, ['test results (65 examples)', '  loss  0.165', '  mae   244.8', '  rmse  317.0', '  r2    0.845']);
  });

  it('multilabel: the example count (not the label count), per-label scores, the threshold, no confusion matrix', () => {
    const lines = resultsLines({
      split: 'test',
      examples: 10,
      threshold: 0.5,
      metrics: { loss: 0.2, micro_f1: 0.9 },
      perClass: [
        { label: 'a', precision: 1, recall: 0.5, f1: 2 / 3, support: 8 },
        { label: 'b', precision: 0.5, recall: 1, f1: 2 / 3, support: 7 },
      ],
      labels: [],
      confusion: [],
    });
    assert.equal(lines[0], 'test results (10 examples)');
    assert.ok(lines.includes('  threshold  0.500'), lines.join('\n'));
    assert.match(lines.join('\n'), /^\s+label\s+precision/m);
    assert.doesNotMatch(lines.join('\n'), /confusion/);
  });

  it('binary: precision, recall and F1 by decision threshold, with ROC AUC and AP, in the plain lines and in Ink', async () => {
    const truth = [0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1];
    const scores = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.55, 0.6, 0.65, 0.8, 0.9, 0.95];
    const result: EvaluationResult = {
      split: 'test',
      examples: 12,
      threshold: 0.5,
      thresholds: thresholdTable(truth, scores),
      curves: binaryCurves(truth, scores)!,
      metrics: { loss: 0.4, accuracy: 10 / 12, roc_auc: rocAuc(truth, scores) },
      perClass: [],
      labels: ['ham', 'spam'],
      confusion: [
        [5, 1],
        [1, 5],
      ],
    };
    const auc = rocAuc(truth, scores).toFixed(3);
    const title = `positive class 'spam' by decision threshold (ROC AUC ${auc}, average precision ${result.curves!.averagePrecision.toFixed(3)})`;
    const lines = resultsLines(result);
    const at = lines.indexOf(title);
    assert.ok(at > 0, lines.join('\n'));
    assert.deepEqual(lines.slice(at + 1, at + 3), ['  threshold  precision  recall     f1', '      0.100      0.545   1.000  0.706']);
    const used = lines.find((l) => l.trimStart().startsWith('0.500'));
    assert.equal(used, '      0.500      0.833   0.833  0.833  * used');
    assert.equal(lines.slice(at + 1).filter((l) => /^\s+0\.\d00\s/.test(l)).length, 9, 'thresholds 0.1 to 0.9');
    const ui = render(createElement(ResultsTable, { result }));
    const frame = ui.lastFrame() ?? '';
    ui.unmount();
    assert.ok(frame.includes(title), frame);
    assert.match(frame, /0\.500 +0\.833 +0\.833 +0\.833 +\* used/);
  });

  it('the summary names the task: labels for multilabel, the positive class for binary', () => {
    const base = {
      name: 'x',
      experiment: 'x',
      configPath: 'x.yaml',
      modalities: [],
      fusion: 'concat',
      backend: 'cpu',
      data: { train: 1, validation: 1, test: 1 },
      parameters: 1,
      epochs: 1,
      batchSize: 1,
      trackingUri: 'runs',
      runId: 'r',
    };
    const task = (s: Partial<RunSummary>) =>
      summaryFields({ ...base, task: 'classification', classes: [], ...s } as RunSummary).find((f) => f.label === 'task')!.lines[0];
    assert.equal(task({ task: 'multilabel', classes: ['a', 'b', 'c'] }), 'multilabel, 3 labels');
    assert.equal(task({ task: 'binary', classes: ['ham', 'spam'] }), 'binary, 2 classes (positive: spam)');
    assert.equal(task({ task: 'regression' }), 'regression');
  });
});
