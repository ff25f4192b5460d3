/**
 * balanced_accuracy, the metric added as one file (src/metrics/definitions/balanced-accuracy.ts): its values by
 * hand and against scikit-learn's documented example, and that the rest of mmx knows it from that file alone —
 * the config schema accepts it, classification and binary compute it, evaluation reports it, higher is better.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { TargetState } from '../../src/data/dataset.js';
import { evaluateTask } from '../../src/evaluate/task-metrics.js';
import { loadConfig } from '../../src/experiment/load.js';
import { labelInput } from '../../src/metrics/inputs.js';
import { computeMetrics, metricDirection, metricRange, taskMetrics } from '../../src/metrics/registry.js';
import { metricLabel } from '../../src/report/labels.js';
import { tempDir } from '../helpers/tmp.js';

const near = (a: number, b: number, what = ''): void => assert.ok(Math.abs(a - b) < 1e-12, `${what} ${a} vs ${b}`);
const balanced = (truth: number[], predicted: number[], classes: string[]): number =>
  computeMetrics('classification', labelInput(truth, predicted, classes), ['balanced_accuracy']).balanced_accuracy!;

describe('balanced_accuracy', () => {
  it("is scikit-learn's documented example: the mean recall of the classes", () => {
    // sklearn.metrics.balanced_accuracy_score([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]) == 0.625: recalls 3/4 and 1/2
    near(balanced([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], ['a', 'b']), 0.625);
  });

  it('gives a majority-class predictor 1/classes where accuracy gives the majority share', () => {
    const truth = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    const m = computeMetrics('classification', labelInput(truth, new Array<number>(10).fill(0), ['a', 'b', 'c']), ['balanced_accuracy']);
    near(m.accuracy!, 0.8, 'accuracy');
    near(m.balanced_accuracy!, 1 / 3, 'balanced');
  });

  it('leaves out a class that is only predicted, and is 0 without examples', () => {
    // truth a a b; predicted a c b → recalls a 1/2, b 1; c has no example
    near(balanced([0, 0, 1], [0, 2, 1], ['a', 'b', 'c']), 0.75);
    near(balanced([], [], ['a', 'b']), 0);
  });

  it('is known to the config schema, the tasks, evaluation, direction and labels from its one file', () => {
    assert.ok(taskMetrics('classification').includes('balanced_accuracy'));
    assert.ok(taskMetrics('binary').includes('balanced_accuracy'));
    assert.ok(!taskMetrics('regression').includes('balanced_accuracy'));
    assert.ok(!taskMetrics('multilabel').includes('balanced_accuracy'));
    assert.equal(metricDirection('val_balanced_accuracy'), 'max');
    assert.deepEqual(metricRange('test_balanced_accuracy'), [0, 1]);
    assert.equal(metricLabel('balanced_accuracy'), 'Balanced accuracy');

    const file = path.join(tempDir('mmx-metric-'), 'x.yaml');
    writeFileSync(
      file,
      'name: t\ndata: {path: m.csv, split: {column: split}}\ntarget: {column: y}\ninputs:\n  x: {type: numeric, column: a}\n' +
        'evaluation: {metrics: [accuracy, balanced_accuracy]}\n',
    );
    assert.deepEqual(loadConfig(file, { env: {} }).config.evaluation.metrics, ['accuracy', 'balanced_accuracy']);

    // binary: truth [0,0,0,1] and p ≥ 0.5 → predicted [0,1,0,1]: recalls 2/3 and 1
    const target: TargetState = { column: 'y', task: 'binary', classes: ['no', 'yes'], threshold: 0.5 };
    const truth = Int32Array.from([0, 0, 0, 1]);
    const r = evaluateTask('test', target, { labels: truth, targets: Float32Array.from(truth) }, Float32Array.from([0.1, 0.7, 0.2, 0.9]), [
      'balanced_accuracy',
    ]);
    assert.deepEqual(Object.keys(r.result.metrics), ['loss', 'accuracy', 'balanced_accuracy']);
    near(r.result.metrics.balanced_accuracy!, (2 / 3 + 1) / 2);
  });
});
