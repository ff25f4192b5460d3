/** The results block for the tasks without a confusion matrix: multilabel (per-label table) and regression (metrics only). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsLines, summaryFields } from '../../src/ui/sections.js';
import type { RunSummary } from '../../src/train/events.js';

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
