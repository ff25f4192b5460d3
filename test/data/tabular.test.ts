import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { featuresFromState, prepareData, type PreprocessingState } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { readManifest } from '../../src/data/manifest.js';
import { dataPath } from '../helpers/data.js';
import { checked, close, collector, row, tmp } from './helpers.js';

// train rows 1-4, validation 5, test 6
const CSV = `x,y,color,label,split
1,10,red,a,train
2,,blue,b,train
,30,red,a,train
5,NA,,b,train
,20,blue,a,validation
3,40,green,b,test
`;

const numericConfig = (inputs: string) => `name: t
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
${inputs}
`;

describe('numeric inputs', () => {
  it('normalise with training statistics and fill missing values (hand-computed)', async () => {
    const dir = tmp();
    const c = checked(
      dir,
      numericConfig(`  a: {type: numeric, column: x, columns: [y], preprocessing: {normalize: standard, missing: mean, missing_indicator: true}}
  b: {type: numeric, column: x, preprocessing: {normalize: minmax, missing: median}}
  c: {type: numeric, column: y, preprocessing: {normalize: none, missing: zero}}`),
      { name: 'm.csv', text: CSV },
    );
    const log = collector();
    const data = await prepareData(c, log.emit);
    // x observed in training: 1, 2, 5 → mean 8/3, population std √(78/27), median 2, min 1, max 5
    // y observed in training: 10, 30 ('' and 'NA' are missing) → mean 20, std 10
    const mx = 8 / 3;
    const sx = Math.sqrt(78 / 27);
    const a = data.train.features.a!;
    assert.deepEqual(data.state.inputs[0]!.shape, [4]);
    assert.ok(close(row(a, 4, 0), [(1 - mx) / sx, -1, 0, 0]), String(row(a, 4, 0)));
    assert.ok(close(row(a, 4, 1), [(2 - mx) / sx, 0, 0, 1]), String(row(a, 4, 1)));
    assert.ok(close(row(a, 4, 2), [0, 1, 1, 0]), String(row(a, 4, 2)));
    assert.ok(close(row(a, 4, 3), [(5 - mx) / sx, 0, 0, 1]), String(row(a, 4, 3)));
    // validation / test use the training statistics
    assert.ok(close(row(data.validation.features.a!, 4, 0), [0, 0, 1, 0]));
    assert.ok(close(row(data.test.features.a!, 4, 0), [(3 - mx) / sx, 2, 0, 0]));
    // minmax with median fill: (x − 1) / 4, missing → median 2 → 0.25
    assert.deepEqual(Array.from(data.train.features.b!), [0, 0.25, 0.25, 1]);
    assert.deepEqual(Array.from(data.validation.features.b!), [0.25]);
    assert.deepEqual(Array.from(data.test.features.b!), [0.5]);
    // no normalisation, zero fill
    assert.deepEqual(Array.from(data.train.features.c!), [10, 0, 30, 0]);
    // counted and reported
    assert.deepEqual(
      data.missing.map((m) => [m.input, m.action, m.count]),
      [
        ['a', 'mean + indicator', 4],
        ['b', 'median', 2],
        ['c', 'zero', 2],
      ],
    );
    assert.ok(
      log.logs().some((l) => l === "input 'a' (x, y): 4 missing value(s) → mean + indicator"),
      log.logs().join('\n'),
    );
    const stats = (data.state.inputs[0]!.fitted as { columns: { column: string; mean: number; std: number; median: number }[] }).columns;
    assert.deepEqual(
      stats.map((s) => s.column),
      ['x', 'y'],
    );
    assert.ok(Math.abs(stats[0]!.mean - mx) < 1e-12 && Math.abs(stats[1]!.std - 10) < 1e-12);
  });

  it('missing: drop_row leaves rows out everywhere and says so', async () => {
    const dir = tmp();
    const c = checked(dir, numericConfig('  a: {type: numeric, column: y, preprocessing: {missing: drop_row}}'), {
      name: 'm.csv',
      text: CSV,
    });
    const log = collector();
    const data = await prepareData(c, log.emit);
    assert.deepEqual(data.train.rows, [0, 2]);
    assert.equal(data.droppedRows, 2);
    assert.deepEqual(data.missing, [{ input: 'a', column: 'y', action: 'drop_row', count: 2 }]);
    assert.ok(log.logs().some((l) => /left out 2 row\(s\) with missing values/.test(l)));
    // at prediction time a dropped row is reported as skipped
    const m = readManifest(path.join(dir, 'm.csv'));
    const again = await featuresFromState(m, JSON.parse(JSON.stringify(data.state)) as PreprocessingState);
    assert.deepEqual(again.data.rows, [0, 2, 4, 5]);
    assert.deepEqual(
      again.skipped.map((s) => [s.row, s.reason]),
      [
        [2, 'missing value (missing: drop_row)'],
        [4, 'missing value (missing: drop_row)'],
      ],
    );
  });

  it('a value that is not a number is a DataError naming the row and the column', async () => {
    const dir = tmp();
    const bad = CSV.replace('2,,blue', '2,12kg,blue');
    const c = checked(dir, numericConfig('  a: {type: numeric, column: x, columns: [y]}'), { name: 'm.csv', text: bad });
    await assert.rejects(
      prepareData(c),
      (e: unknown) =>
        e instanceof DataError &&
        e.where.row === 2 &&
        e.where.column === 'y' &&
        e.where.line === 3 &&
        /'12kg' is not a number/.test(e.message),
    );
    // a validation/test value too
    const c2 = checked(dir, numericConfig('  a: {type: numeric, column: x}'), {
      name: 'm.csv',
      text: CSV.replace('3,40,green', 'three,40,green'),
    });
    await assert.rejects(
      prepareData(c2),
      (e: unknown) => e instanceof DataError && e.where.row === 6 && e.where.column === 'x' && /'three' is not a number/.test(e.describe()),
    );
  });

  it('an extra column that is not in the manifest is a config error with its position', async () => {
    const dir = tmp();
    // found by the semantic checks (mmx validate), before any data is read
    assert.throws(
      () => checked(dir, numericConfig('  a: {type: numeric, column: x, columns: [y, yy]}'), { name: 'm.csv', text: CSV }),
      (e: unknown) =>
        e instanceof Error &&
        e.name === 'ConfigError' &&
        /x\.yaml:5:\d+: inputs\.a\.columns\.1: input 'a' column 'yy' is not in m\.csv \(did you mean 'y'\?\)/.test(e.message),
    );
  });
});

describe('categorical inputs', () => {
  it('categories from training, most frequent first; missing → 0, unseen at test time → 1', async () => {
    const dir = tmp();
    const c = checked(dir, numericConfig('  c: {type: categorical, column: color}'), { name: 'm.csv', text: CSV });
    const data = await prepareData(c);
    // training: red ×2, blue ×1, one missing
    assert.deepEqual(data.state.inputs[0]!.fitted, { categories: ['red', 'blue'] });
    assert.deepEqual(data.meta.c!.vocabSize, 4);
    // red, blue, red, '' → 2, 3, 2, 0; validation blue → 3; test green (never seen) → 1
    assert.deepEqual(Array.from(data.train.features.c!), [2, 3, 2, 0]);
    assert.deepEqual(Array.from(data.validation.features.c!), [3]);
    assert.deepEqual(Array.from(data.test.features.c!), [1]);
    assert.deepEqual(data.missing, [{ input: 'c', column: 'color', action: 'reserved index 0', count: 1 }]);
  });
});

describe('tabular inputs on the real penguins data', () => {
  it('measurements (numeric, with missing values) + island and sex (categorical); the state round-trips through JSON', async () => {
    const dir = tmp();
    const c = checked(
      dir,
      `name: p
data: {path: ${dataPath('penguins', 'manifest.csv')}, split: {column: split}}
target: {column: label}
inputs:
  body: {type: numeric, column: bill_length_mm, columns: [bill_depth_mm, flipper_length_mm, body_mass_g], preprocessing: {missing_indicator: true}}
  island: {type: categorical, column: island, encoder: {type: onehot}}
  sex: {type: categorical, column: sex}
`,
    );
    const data = await prepareData(c);
    assert.deepEqual(data.state.target.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
    assert.equal(data.train.rows.length + data.validation.rows.length + data.test.rows.length, 344);
    assert.deepEqual(
      data.state.inputs.map((s) => s.shape),
      [[8], [1], [1]],
    );
    // two penguins lack every measurement (4 cells each); 11 lack the sex
    assert.deepEqual(
      data.missing.map((m) => [m.input, m.count]),
      [
        ['body', 8],
        ['sex', 11],
      ],
    );
    // standardised on the training split: mean ≈ 0, std ≈ 1 per measurement there
    const x = data.train.features.body!;
    const n = data.train.rows.length;
    for (let j = 0; j < 4; j++) {
      let s = 0;
      let q = 0;
      for (let k = 0; k < n; k++) s += x[k * 8 + j]!;
      for (let k = 0; k < n; k++) q += (x[k * 8 + j]! - s / n) ** 2;
      assert.ok(Math.abs(s / n) < 1e-4, `mean ${s / n}`);
      assert.ok(Math.sqrt(q / n) < 1.0001 && Math.sqrt(q / n) > 0.98, `std ${Math.sqrt(q / n)}`);
    }
    assert.deepEqual((data.state.inputs[1]!.fitted as { categories: string[] }).categories.slice().sort(), [
      'Biscoe',
      'Dream',
      'Torgersen',
    ]);
    const state = JSON.parse(JSON.stringify(data.state)) as PreprocessingState;
    const again = await featuresFromState(c.manifest, state, { rows: data.test.rows });
    for (const name of ['body', 'island', 'sex']) assert.deepEqual(again.data.features[name], data.test.features[name], name);
  });
});
