/**
 * Targets from the data: the regression normalisation round trip (fitted on train, reported in original units),
 * class weights from the training split, and the errors: a label unseen in training, an empty multilabel cell,
 * a non-numeric regression target (DataError naming row and column); a metric or an option that does not fit the
 * task (config error with a did-you-mean).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../../src/config/issues.js';
import { featuresFromState, prepareData, type PreprocessingState } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { readManifest } from '../../src/data/manifest.js';
import { evaluateTask } from '../../src/evaluate/task-metrics.js';
import { dataPath } from '../helpers/data.js';
import { checked, tmp } from '../data/helpers.js';

const near = (a: number, b: number, tol: number, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

const PENGUINS = (target: string) => `name: t
data: {path: ${dataPath('penguins', 'manifest.csv')}, split: {column: split}}
target: ${target}
inputs:
  m: {type: numeric, column: bill_length_mm, columns: [flipper_length_mm], preprocessing: {missing: median}}
`;

function issuesOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.issues.map((i) => `${i.path}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n');
  }
  assert.fail('no error');
}

describe('regression target normalisation', () => {
  it('is fitted on the training split, standardises the targets, and metrics come back in grams', async () => {
    const dir = tmp();
    const data = await prepareData(checked(dir, PENGUINS('{column: body_mass_g, task: regression, missing: drop_row}')));
    const rows = parse(readFileSync(dataPath('penguins', 'manifest.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const train = rows.filter((r) => r.split === 'train' && r.body_mass_g !== '').map((r) => Number(r.body_mass_g));
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
    const norm = data.state.target.normalization!;
    near(norm.mean, mean, 1e-6, 'mean');
    near(norm.std, std, 1e-6, 'std');
    assert.deepEqual(data.state.target.classes, []);
    // the standardised targets map back exactly to the manifest's values
    const test = rows.filter((r) => r.split === 'test' && r.body_mass_g !== '').map((r) => Number(r.body_mass_g));
    assert.equal(data.test.targets.length, test.length);
    data.test.targets.forEach((t, k) => near(t * norm.std + norm.mean, test[k]!, 1e-3, `row ${k}`));
    // a perfect model: zero error; the mean predictor (standardised output 0): MAE in grams, R² ≤ 0
    const perfect = evaluateTask('test', data.state.target, data.test, data.test.targets, ['mae', 'rmse', 'r2']).result.metrics;
    near(perfect.mae!, 0, 1e-3);
    near(perfect.r2!, 1, 1e-9);
    const meanPredictor = evaluateTask('test', data.state.target, data.test, new Float32Array(test.length), ['mae', 'r2']).result.metrics;
    near(meanPredictor.mae!, test.reduce((a, y) => a + Math.abs(y - mean), 0) / test.length, 1e-2, 'mae of the mean predictor');
    assert.ok(meanPredictor.r2! <= 0.01);
    // the state round-trips through JSON: the same targets for new rows
    const state = JSON.parse(JSON.stringify(data.state)) as PreprocessingState;
    const again = await featuresFromState(readManifest(dataPath('penguins', 'manifest.csv')), state, { rows: data.test.rows });
    assert.deepEqual(again.data.targets, data.test.targets);
  });

  it('a missing target is an error naming the row unless target.missing: drop_row', async () => {
    await assert.rejects(prepareData(checked(tmp(), PENGUINS('{column: body_mass_g, task: regression}'))), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.where.row, 4);
      assert.equal(err.where.column, 'body_mass_g');
      assert.match(err.describe(), /label is missing/);
      return true;
    });
  });

  it('a non-numeric target is a DataError naming row and column', async () => {
    const dir = tmp();
    const text = 'x,y,split\n1,2.5,train\n2,3.5,train\n3,abc,test\n4,1,validation\n';
    await assert.rejects(
      prepareData(
        checked(
          dir,
          `name: t\ndata: {path: m.csv, split: {column: split}}\ntarget: {column: y, task: regression}\ninputs:\n  x: {type: numeric, column: x}\n`,
          { name: 'm.csv', text },
        ),
      ),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.deepEqual([err.where.row, err.where.column], [3, 'y']);
        assert.match(err.message, /'abc' is not a number/);
        return true;
      },
    );
  });
});

describe('classification and binary targets', () => {
  const tiny = 'x,label,split\n1,a,train\n2,b,train\n3,a,train\n4,a,validation\n5,c,test\n';
  const yaml = (target: string) =>
    `name: t\ndata: {path: m.csv, split: {column: split}}\ntarget: ${target}\ninputs:\n  x: {type: numeric, column: x}\n`;

  it('a label not seen in training is a DataError naming row and column', async () => {
    await assert.rejects(prepareData(checked(tmp(), yaml('{column: label}'), { name: 'm.csv', text: tiny })), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.deepEqual([err.where.row, err.where.column, err.where.line], [5, 'label', 6]);
      assert.match(err.message, /label 'c' does not occur in the training split/);
      return true;
    });
  });

  it('balanced class weights are n / (classes × n_class) over the training split; a map names classes', async () => {
    const text = 'x,label,split\n1,a,train\n2,b,train\n3,a,train\n4,a,train\n5,a,validation\n6,b,test\n';
    const d = await prepareData(
      checked(tmp(), yaml('{column: label, class_weight: balanced, label_smoothing: 0.1}'), { name: 'm.csv', text }),
    );
    assert.deepEqual(d.state.target.classWeights, [4 / (2 * 3), 4 / (2 * 1)]);
    assert.equal(d.state.target.labelSmoothing, 0.1);
    const m = await prepareData(checked(tmp(), yaml('{column: label, class_weight: {b: 3}}'), { name: 'm.csv', text }));
    assert.deepEqual(m.state.target.classWeights, [1, 3]);
    await assert.rejects(
      prepareData(checked(tmp(), yaml('{column: label, class_weight: {bb: 3}}'), { name: 'm.csv', text })),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.issues[0]!.message, /class 'bb' does not occur/);
        assert.match(err.issues[0]!.hint ?? '', /did you mean 'b'/);
        return true;
      },
    );
  });

  it('binary: the positive class is the second label unless positive_class says otherwise; targets 0/1', async () => {
    const text = 'x,label,split\n1,spam,train\n2,ham,train\n3,ham,train\n4,spam,validation\n5,ham,test\n';
    const d = await prepareData(checked(tmp(), yaml('{column: label, task: binary}'), { name: 'm.csv', text }));
    assert.deepEqual(d.state.target.classes, ['ham', 'spam']);
    assert.deepEqual(Array.from(d.train.targets), [1, 0, 0]);
    assert.equal(d.state.target.threshold, 0.5);
    const h = await prepareData(
      checked(tmp(), yaml('{column: label, task: binary, positive_class: ham, threshold: 0.3}'), { name: 'm.csv', text }),
    );
    assert.deepEqual(h.state.target.classes, ['spam', 'ham']);
    assert.deepEqual(Array.from(h.train.targets), [0, 1, 1]);
    assert.equal(h.state.target.threshold, 0.3);
    await assert.rejects(
      prepareData(checked(tmp(), yaml('{column: label, task: binary}'), { name: 'm.csv', text: tiny.replace('3,a,train', '3,z,train') })),
      /binary needs exactly 2/,
    );
  });
});

describe('multilabel targets', () => {
  const yaml = `name: t\ndata: {path: m.csv, split: {column: split}}\ntarget: {column: tags, task: multilabel, delimiter: ';'}\ninputs:\n  x: {type: numeric, column: x}\n`;

  it('multi-hot targets over the labels seen in training', async () => {
    const text = 'x,tags,split\n1,a;b,train\n2, c ,train\n3,b;a;a,train\n4,c,validation\n5,a;c,test\n';
    const d = await prepareData(checked(tmp(), yaml, { name: 'm.csv', text }));
    assert.deepEqual(d.state.target.classes, ['a', 'b', 'c']);
    assert.equal(d.state.target.delimiter, ';');
    assert.deepEqual(Array.from(d.train.targets), [1, 1, 0, 0, 0, 1, 1, 1, 0]);
    assert.deepEqual(Array.from(d.test.targets), [1, 0, 1]);
  });

  it('an empty cell is a DataError naming row and column, in any split', async () => {
    for (const [text, row] of [
      ['x,tags,split\n1,a;b,train\n2,,train\n3,b,train\n4,a,validation\n5,a,test\n', 2],
      ['x,tags,split\n1,a;b,train\n2,b,train\n3,b,train\n4,a,validation\n5, ; ,test\n', 5],
    ] as const) {
      await assert.rejects(prepareData(checked(tmp(), yaml, { name: 'm.csv', text })), (err: unknown) => {
        assert.ok(err instanceof DataError, String(err));
        assert.deepEqual([err.where.row, err.where.column], [row, 'tags']);
        assert.match(err.message, /the label list is empty/);
        return true;
      });
    }
  });

  it('a label not seen in training names the row', async () => {
    const text = 'x,tags,split\n1,a;b,train\n2,b,train\n3,a,train\n4,a;zz,validation\n5,a,test\n';
    await assert.rejects(
      prepareData(checked(tmp(), yaml, { name: 'm.csv', text })),
      (err: unknown) => err instanceof DataError && err.where.row === 4 && /'zz'/.test(err.message),
    );
  });
});

describe('metrics and target options against the task', () => {
  it('a metric of another task is a config error with a did-you-mean', () => {
    const out = issuesOf(() => checked(tmp(), PENGUINS('{column: label}') + 'evaluation: {metrics: [accuracy, micro_f1]}\n'));
    assert.match(out, /evaluation\.metrics\.1: 'micro_f1' is not a metric of the classification task \(did you mean 'macro_f1'\?/);
    const reg = issuesOf(() =>
      checked(tmp(), PENGUINS('{column: body_mass_g, task: regression}') + 'evaluation: {metrics: [mae, accuracy]}\n'),
    );
    assert.match(
      reg,
      /'accuracy' is not a metric of the regression task \(expected one of the regression metrics: 'mae', 'rmse', 'mse', 'r2'\)/,
    );
  });

  it('an unknown metric name is a schema error with a did-you-mean', () => {
    const out = issuesOf(() => checked(tmp(), PENGUINS('{column: body_mass_g, task: regression}') + 'evaluation: {metrics: [rmsee]}\n'));
    assert.match(out, /rmse/);
  });

  it('the default metrics follow the task; early stopping must watch one of them', () => {
    const c = checked(tmp(), PENGUINS('{column: body_mass_g, task: regression}'));
    assert.deepEqual(c.config.evaluation.metrics, ['mae', 'rmse', 'r2']);
    const out = issuesOf(() =>
      checked(tmp(), PENGUINS('{column: body_mass_g, task: regression}') + 'training: {early_stopping: {monitor: val_accuracy}}\n'),
    );
    assert.match(out, /training\.early_stopping\.monitor: 'val_accuracy' is not a metric this run produces/);
  });

  it('an option of another task is rejected', () => {
    const out = issuesOf(() => checked(tmp(), PENGUINS("{column: label, delimiter: ';', loss: huber}")));
    assert.match(out, /target\.delimiter: 'delimiter' does not apply to task classification \(it is an option of task multilabel\)/);
    assert.match(out, /target\.loss: 'loss' does not apply to task classification \(it is an option of task regression\)/);
  });
});
