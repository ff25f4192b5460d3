/**
 * Each task's loss and metrics against values computed by hand (in the comments), including ROC AUC with ties,
 * micro/macro F1 and subset accuracy, regression errors in original units, and what label smoothing and class
 * weights do to the training loss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { TargetState } from '../../src/data/dataset.js';
import { evaluateTask, multilabelMetrics, taskLossValue, thresholdTable } from '../../src/evaluate/task-metrics.js';
import { rocAuc } from '../../src/metrics/definitions/roc-auc.js';
import { computeMetrics } from '../../src/metrics/registry.js';
import { binaryCurves } from '../../src/evaluate/curves.js';
import { outputUnits, taskLoss, type TaskTarget } from '../../src/model/heads/tasks.js';

const near = (a: number, b: number, tol = 1e-5, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** per-example training loss of one example */
function loss1(target: TaskTarget, y: number[], p: number[]): number {
  return tf.tidy(() => taskLoss(target)(tf.tensor2d([y]), tf.tensor2d([p])).dataSync()[0]!);
}

describe('ROC AUC', () => {
  it('matches the textbook example and counts ties as one half', () => {
    // scikit-learn's roc_auc_score example: 0.75
    near(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
    // positives {0.5, 0.9} vs negatives {0.5, 0.2}: pairs 0.5 (tie) + 1 + 1 + 1 = 3.5 of 4
    near(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), 0.875);
    near(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3]), 0.5);
    near(rocAuc([0, 0, 1], [0.9, 0.8, 0.1]), 0);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.4])), 'one class only: undefined');
  });
});

describe('ROC and precision–recall curves', () => {
  it('AUC equals the Mann–Whitney ROC AUC, AP the mean precision at each positive, curves from (0,0) to (1,1)', () => {
    const truth = [0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1];
    const scores = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.55, 0.6, 0.65, 0.8, 0.9, 0.95];
    const c = binaryCurves(truth, scores)!;
    near(c.rocAuc, rocAuc(truth, scores), 1e-12, 'AUC');
    // no ties: AP = mean over positives of the precision among the examples ranked at or above it
    // ranked: .95+ .9+ .8+ .65- .6+ .55+ .4- .35+ → 1, 1, 1, 4/5, 5/6, 6/8
    near(c.averagePrecision, (1 + 1 + 1 + 4 / 5 + 5 / 6 + 6 / 8) / 6, 1e-12, 'AP');
    assert.deepEqual(c.roc[0], { x: 0, y: 0 });
    assert.deepEqual([c.roc.at(-1)!.x, c.roc.at(-1)!.y], [1, 1]);
    assert.equal(c.pr.at(-1)!.y, 0.5, 'at recall 1 with every example positive, precision is the prevalence');
    assert.equal(c.prevalence, 0.5);
    // ties count once: one point per distinct score
    assert.equal(binaryCurves([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])!.roc.length, 2);
    near(binaryCurves([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])!.rocAuc, 0.5, 1e-12, 'all tied');
    assert.equal(binaryCurves([1, 1], [0.2, 0.9]), undefined, 'one class only');
    // thinned for plotting, AUC from every point
    const n = 5000;
    const big = binaryCurves(
      Array.from({ length: n }, (_, i) => i % 2),
      Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n),
    )!;
    assert.ok(big.roc.length <= 200 && big.pr.length <= 200, `${big.roc.length} / ${big.pr.length} points`);
  });
});

describe('multilabel metrics', () => {
  it('micro/macro F1, subset accuracy and Hamming loss by hand', () => {
    // labels a b c; truth [1,0,1] [0,1,0] [1,1,0]; predicted [1,0,0] [0,1,0] [1,0,1]
    // a: tp 2 → F1 1; b: tp 1, fn 1 → 2/3; c: fn 1, fp 1 → 0. micro: tp 3, fp 1, fn 2 → 6/9
    const m = multilabelMetrics([1, 0, 1, 0, 1, 0, 1, 1, 0], [1, 0, 0, 0, 1, 0, 1, 0, 1], ['a', 'b', 'c']);
    near(m.metrics.micro_f1!, 2 / 3);
    near(m.metrics.macro_f1!, 5 / 9);
    near(m.metrics.subset_accuracy!, 1 / 3);
    near(m.metrics.hamming_loss!, 3 / 9);
    assert.deepEqual(
      m.perClass.map((p) => [p.label, p.support]),
      [
        ['a', 2],
        ['b', 2],
        ['c', 1],
      ],
    );
  });

  it('evaluateTask thresholds the probabilities and reports the loss (mean binary cross-entropy)', () => {
    const target: TargetState = { column: 'y', task: 'multilabel', classes: ['a', 'b'], threshold: 0.6, delimiter: '|' };
    const outputs = Float32Array.from([0.9, 0.55, 0.2, 0.7]);
    const r = evaluateTask('test', target, { labels: Int32Array.from([0, 0]), targets: Float32Array.from([1, 1, 0, 1]) }, outputs, [
      'micro_f1',
      'subset_accuracy',
    ]);
    // decisions [1,0] [0,1] vs truth [1,1] [0,1]: tp 2, fn 1 → micro F1 4/5; subset 1/2
    near(r.result.metrics.micro_f1!, 0.8);
    near(r.result.metrics.subset_accuracy!, 0.5);
    const bce = (y: number, p: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    near(r.result.metrics.loss!, ((bce(1, 0.9) + bce(1, 0.55)) / 2 + (bce(0, 0.2) + bce(1, 0.7)) / 2) / 2, 1e-5, 'loss');
    assert.deepEqual(Object.keys(r.result.metrics), ['loss', 'micro_f1', 'subset_accuracy']);
  });
});

describe('binary metrics', () => {
  it('positive-class precision/recall/F1 at the threshold, accuracy, ROC AUC, threshold table', () => {
    const target: TargetState = { column: 'y', task: 'binary', classes: ['ham', 'spam'], threshold: 0.5 };
    const truth = Int32Array.from([0, 0, 1, 1, 1]);
    const p = Float32Array.from([0.1, 0.6, 0.7, 0.4, 0.9]);
    const r = evaluateTask('test', target, { labels: truth, targets: Float32Array.from(truth) }, p, [
      'precision',
      'recall',
      'f1',
      'roc_auc',
    ]);
    // predicted [0,1,1,0,1]: tp 2, fp 1, fn 1, tn 1
    near(r.result.metrics.accuracy!, 3 / 5);
    near(r.result.metrics.precision!, 2 / 3);
    near(r.result.metrics.recall!, 2 / 3);
    near(r.result.metrics.f1!, 2 / 3);
    // positives {0.7, 0.4, 0.9} vs negatives {0.1, 0.6}: 0.7 beats both, 0.4 beats one, 0.9 both → 5/6
    near(r.result.metrics.roc_auc!, 5 / 6);
    assert.deepEqual(r.result.confusion, [
      [1, 1],
      [1, 2],
    ]);
    assert.deepEqual(Array.from(r.predicted), [0, 1, 1, 0, 1]);
    const at = (t: number) => thresholdTable(truth, p).find((row) => Math.abs(row.threshold - t) < 1e-9)!;
    // at 0.65: predicted [0,0,1,0,1]: precision 1, recall 2/3
    near(at(0.65).precision, 1);
    near(at(0.65).recall, 2 / 3);
    assert.equal(outputUnits(target), 1);
  });
});

describe('classification metrics', () => {
  it('weighted F1 weights each class F1 by its support', () => {
    const target: TargetState = { column: 'y', task: 'classification', classes: ['a', 'b'] };
    // truth a a a b; predicted a a b b → a: P 1 R 2/3 F1 .8; b: P .5 R 1 F1 2/3
    const outputs = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.1, 0.9]);
    const r = evaluateTask(
      'test',
      target,
      { labels: Int32Array.from([0, 0, 0, 1]), targets: Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1]) },
      outputs,
      ['accuracy', 'macro_f1', 'weighted_f1'],
    );
    near(r.result.metrics.accuracy!, 0.75);
    near(r.result.metrics.macro_f1!, (0.8 + 2 / 3) / 2);
    near(r.result.metrics.weighted_f1!, (3 * 0.8 + 2 / 3) / 4);
    near(r.result.metrics.loss!, -(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.9)) / 4);
  });
});

describe('regression metrics', () => {
  it('MAE, RMSE, MSE and R² by hand', () => {
    // errors .5, 0, −1, 1: MAE .625, MSE .5625, RMSE .75; SS_tot 5 → R² 1 − 2.25/5 = .55
    const m = computeMetrics('regression', { truth: [1, 2, 3, 4], predicted: [1.5, 2, 2, 5] }, ['mae', 'mse', 'rmse', 'r2']);
    near(m.mae!, 0.625);
    near(m.mse!, 0.5625);
    near(m.rmse!, 0.75);
    near(m.r2!, 0.55);
  });

  it('reports in original units: outputs and targets are mapped back with the training statistics', () => {
    const target: TargetState = { column: 'g', task: 'regression', classes: [], normalization: { mean: 4000, std: 500 }, loss: 'mse' };
    // truth 3500, 4500 → standardised −1, 1; predictions 3750 and 5000 → −0.5, 2
    const r = evaluateTask(
      'test',
      target,
      { labels: Int32Array.from([0, 0]), targets: Float32Array.from([-1, 1]) },
      Float32Array.from([-0.5, 2]),
      ['mae', 'rmse', 'r2'],
    );
    near(r.result.metrics.mae!, (250 + 500) / 2, 1e-3);
    near(r.result.metrics.rmse!, Math.sqrt((250 ** 2 + 500 ** 2) / 2), 1e-3);
    near(r.result.metrics.r2!, 1 - (250 ** 2 + 500 ** 2) / (2 * 500 ** 2), 1e-6);
    // the loss stays in standardised units (what is trained): ((0.5)² + 1²) / 2
    near(r.result.metrics.loss!, 0.625);
  });
});

describe('training losses', () => {
  const cls: TaskTarget = { task: 'classification', classes: ['a', 'b', 'c'] };

  it('classification: cross-entropy; label smoothing mixes in the uniform distribution; class weights scale it', () => {
    const p = [0.7, 0.2, 0.1];
    near(loss1(cls, [1, 0, 0], p), -Math.log(0.7));
    // ε = 0.3, 3 classes: ỹ = [0.8, 0.1, 0.1]
    near(loss1({ ...cls, labelSmoothing: 0.3 }, [1, 0, 0], p), -(0.8 * Math.log(0.7) + 0.1 * Math.log(0.2) + 0.1 * Math.log(0.1)));
    near(loss1({ ...cls, classWeights: [2, 1, 0.5] }, [1, 0, 0], p), -2 * Math.log(0.7));
    near(loss1({ ...cls, classWeights: [2, 1, 0.5] }, [0, 0, 1], p), -0.5 * Math.log(0.1));
    // a weighted batch is the mean of the weighted per-example losses
    const batch = tf.tidy(
      () =>
        taskLoss({ ...cls, classWeights: [2, 1, 1] })(
          tf.tensor2d([
            [1, 0, 0],
            [0, 1, 0],
          ]),
          tf.tensor2d([p, p]),
        )
          .mean()
          .dataSync()[0]!,
    );
    near(batch, (-2 * Math.log(0.7) - Math.log(0.2)) / 2);
  });

  it('binary: binary cross-entropy, smoothing towards 1/2, weights [negative, positive]', () => {
    const bin: TaskTarget = { task: 'binary', classes: ['no', 'yes'] };
    near(loss1(bin, [1], [0.8]), -Math.log(0.8));
    near(loss1(bin, [0], [0.8]), -Math.log(0.2));
    // ε = 0.2: ỹ = 0.9
    near(loss1({ ...bin, labelSmoothing: 0.2 }, [1], [0.8]), -(0.9 * Math.log(0.8) + 0.1 * Math.log(0.2)));
    near(loss1({ ...bin, classWeights: [1, 3] }, [1], [0.8]), -3 * Math.log(0.8));
    near(loss1({ ...bin, classWeights: [1, 3] }, [0], [0.8]), -Math.log(0.2));
  });

  it('multilabel: mean binary cross-entropy over the labels', () => {
    near(loss1({ task: 'multilabel', classes: ['a', 'b'] }, [1, 0], [0.9, 0.2]), -(Math.log(0.9) + Math.log(0.8)) / 2);
  });

  it('regression: squared error, or Huber (quadratic inside delta, linear outside)', () => {
    near(loss1({ task: 'regression', classes: [] }, [0], [2]), 4);
    near(loss1({ task: 'regression', classes: [], loss: 'huber', huberDelta: 1 }, [0], [2]), 1.5);
    near(loss1({ task: 'regression', classes: [], loss: 'huber', huberDelta: 1 }, [0], [0.5]), 0.125);
    near(loss1({ task: 'regression', classes: [], loss: 'huber', huberDelta: 0.5 }, [1], [-1]), 0.5 * (2 - 0.25));
  });

  it('the reported loss is the plain one: the same as training without smoothing and weights', () => {
    const target: TargetState = {
      column: 'y',
      task: 'classification',
      classes: ['a', 'b', 'c'],
      labelSmoothing: 0.3,
      classWeights: [5, 1, 1],
    };
    near(taskLossValue(target, Float32Array.from([0.7, 0.2, 0.1]), Float32Array.from([1, 0, 0]), Int32Array.from([0])), -Math.log(0.7));
  });
});
