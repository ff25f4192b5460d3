/**
 * Real data through every new modality, and the preprocessing state's round trip: prepareData → the state as
 * JSON (the run's preprocessing.json) → featuresFromState gives exactly the training-time features.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { featuresFromState, prepareData, type PreparedData, type PreprocessingState } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { readManifest, type Manifest } from '../../src/data/manifest.js';
import { tokenize } from '../../src/data/text/tokenize.js';
import { dataPath } from '../helpers/data.js';
import { avmnistSubset } from '../helpers/subset.js';
import { checked, collector, tmp } from './helpers.js';

/** featuresFromState on each split's rows, with the state read back from JSON, equals the prepared features. */
async function assertRoundTrip(data: PreparedData, manifest: Manifest): Promise<void> {
  const state = JSON.parse(JSON.stringify(data.state)) as PreprocessingState;
  for (const split of ['train', 'validation', 'test'] as const) {
    const again = await featuresFromState(manifest, state, { rows: data[split].rows });
    assert.deepEqual(again.data.rows, data[split].rows);
    for (const s of state.inputs) assert.deepEqual(again.data.features[s.name], data[split].features[s.name], `${split} ${s.name}`);
    assert.deepEqual(again.data.labels, data[split].labels);
  }
}

describe('text on the real SMS spam data', () => {
  it('vocabulary from the training split only, ids padded to max_length, state round trip', async () => {
    const dir = tmp();
    const file = dataPath('sms_spam', 'manifest.csv');
    const c = checked(
      dir,
      `name: s
data: {path: ${file}, split: {column: split}, limit: 2000}
target: {column: label}
inputs:
  sms: {type: text, column: text, preprocessing: {vocab_size: 500, max_length: 40, min_freq: 2}, encoder: {type: cnn}}
`,
    );
    const data = await prepareData(c);
    const s = data.state.inputs[0]!;
    assert.deepEqual(s.shape, [40]);
    const vocab = (s.fitted as { tokens: string[] }).tokens;
    assert.equal(vocab.length, 500);
    assert.equal(data.meta.sms!.vocabSize, 502);
    assert.deepEqual(data.meta.sms!.vocabulary!.slice(0, 2), ['<pad>', '<oov>']);
    // every kept token occurs in the training split (at least min_freq times)
    const trainTokens = new Map<string, number>();
    for (const i of data.train.rows)
      for (const t of tokenize(c.manifest.rows[i]!.text!, { tokenizer: 'word', lowercase: true, punctuation: 'split' }))
        trainTokens.set(t, (trainTokens.get(t) ?? 0) + 1);
    assert.ok(vocab.every((t) => (trainTokens.get(t) ?? 0) >= 2));
    // the first message, by hand: "Go until jurong point, crazy.." → ids of go, until, OOV or id, ...
    const ids = Array.from(data.train.features.sms!.subarray(0, 40));
    const index = new Map(vocab.map((t, i) => [t, i + 2]));
    const toks = tokenize(c.manifest.rows[0]!.text!, { tokenizer: 'word', lowercase: true, punctuation: 'split' });
    assert.deepEqual(ids, [...toks.map((t) => index.get(t) ?? 1), ...new Array(40 - toks.length).fill(0)].slice(0, 40));
    assert.ok(data.train.features.sms!.every((v) => Number.isInteger(v) && v >= 0 && v < 502));
    await assertRoundTrip(data, c.manifest);
  });
});

describe('text + numeric + categorical on the real clothing reviews', () => {
  it('missing titles become padding and are counted; the state round-trips', async () => {
    const dir = tmp();
    const file = dataPath('womens_clothing_reviews', 'manifest.csv');
    const c = checked(
      dir,
      `name: r
data: {path: ${file}, split: {column: split}, limit: 1500}
target: {column: label}
inputs:
  title: {type: text, column: title, preprocessing: {max_length: 8, tokenizer: char}}
  review: {type: text, column: review_text, preprocessing: {max_length: 64, punctuation: strip}, encoder: {type: lstm, units: 8}}
  stats: {type: numeric, column: age, columns: [positive_feedback_count], preprocessing: {normalize: minmax}}
  department: {type: categorical, column: department_name, encoder: {type: embedding, dim: 4}}
`,
    );
    const log = collector();
    const data = await prepareData(c, log.emit);
    const missingTitles = [...data.train.rows, ...data.validation.rows, ...data.test.rows].filter(
      (i) => c.manifest.rows[i]!.title === '',
    ).length;
    assert.ok(missingTitles > 100);
    const report = data.missing.find((m) => m.input === 'title')!;
    assert.deepEqual(report, { input: 'title', column: 'title', action: 'zeros', count: missingTitles });
    assert.ok(
      log.logs().some((l) => l.startsWith(`input 'title' (title): ${missingTitles.toLocaleString('en-US')} missing value(s) → zeros`)),
    );
    const k = data.train.rows.findIndex((i) => c.manifest.rows[i]!.title === '');
    assert.deepEqual(Array.from(data.train.features.title!.subarray(k * 8, k * 8 + 8)), new Array(8).fill(0));
    assert.ok(data.train.features.stats!.every((v, j) => j % 2 === 1 || (v >= 0 && v <= 1)));
    await assertRoundTrip(data, c.manifest);
  });

  it('missing: drop_row on a text input leaves those rows out; missing: error names the row', async () => {
    const dir = tmp();
    const file = dataPath('womens_clothing_reviews', 'manifest.csv');
    const yaml = (missing: string) => `name: r
data: {path: ${file}, split: {column: split}, limit: 300}
target: {column: label}
inputs:
  title: {type: text, column: title, preprocessing: {missing: ${missing}}}
`;
    const data = await prepareData(checked(dir, yaml('drop_row')));
    const rows = [...data.train.rows, ...data.validation.rows, ...data.test.rows];
    const manifest = readManifest(file, undefined, 300);
    assert.ok(rows.every((i) => manifest.rows[i]!.title !== ''));
    assert.equal(rows.length + data.droppedRows, 300);
    const first = manifest.rows.findIndex((r) => r.title === '');
    await assert.rejects(
      prepareData(checked(dir, yaml('error'))),
      (e: unknown) =>
        e instanceof DataError &&
        e.where.row === first + 1 &&
        e.where.column === 'title' &&
        /the value is missing/.test(e.message) &&
        /missing to zeros or drop_row/.test(e.hint ?? ''),
    );
  });
});

describe('audio MFCCs on the real FSDD recordings', () => {
  it('n_mfcc coefficients per frame, standardised per coefficient on training; state round trip', async () => {
    const dir = tmp();
    const src = dataPath('fsdd', 'manifest.csv');
    // a small subset: 4 recordings of digits 0 and 1 from each split, absolute paths
    const lines = readFileSync(src, 'utf8').trim().split('\n');
    const take = new Map<string, number>();
    const out = [lines[0]!];
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      const key = `${f.at(-1)}/${f[1]}`;
      if (!['0', '1'].includes(f[1]!) || (take.get(key) ?? 0) >= 4) continue;
      take.set(key, (take.get(key) ?? 0) + 1);
      out.push(l.replace(/^recordings\//, `${path.dirname(src)}/recordings/`));
    }
    const file = path.join(dir, 'fsdd.csv');
    writeFileSync(file, out.join('\n') + '\n');
    const yaml = (features: string) => `name: f
data: {path: fsdd.csv, split: {column: split}}
target: {column: label}
inputs:
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000, features: ${features}, n_mels: 32, n_mfcc: 12, max_duration_s: 0.5}}
`;
    const c = checked(dir, yaml('mfcc'));
    const data = await prepareData(c);
    const s = data.state.inputs[0]!;
    assert.deepEqual(s.shape, [51, 12]);
    assert.equal(s.normalization.kind, 'standardize_channels');
    // per coefficient: training mean 0, std 1
    const x = data.train.features.speech!;
    for (const coef of [0, 5, 11]) {
      const v = Array.from({ length: x.length / 12 }, (_, t) => x[t * 12 + coef]!);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-3, `${coef}: ${mean} ${std}`);
    }
    const state = JSON.parse(JSON.stringify(data.state)) as PreprocessingState;
    const again = await featuresFromState(c.manifest, state, { rows: data.test.rows });
    assert.deepEqual(again.data.features.speech, data.test.features.speech);
    // n_mfcc above n_mels is a config error with its position, found by the semantic checks (mmx validate)
    assert.throws(
      () => checked(dir, yaml('mfcc').replace('n_mfcc: 12', 'n_mfcc: 40')),
      (e: unknown) =>
        e instanceof Error &&
        /x\.yaml:5:\d+: inputs\.speech\.preprocessing\.n_mfcc: n_mfcc \(40\) cannot exceed n_mels \(32\)/.test(e.message),
    );
  });
});

describe('image inputs with missing: zeros', () => {
  it('an empty image cell gives an all-zero image, counted; others decode as before', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 2, validation: 1, test: 1 });
    const lines = readFileSync(manifest, 'utf8').split('\n');
    const cells = lines[1]!.split(',');
    cells[0] = '';
    lines[1] = cells.join(',');
    writeFileSync(manifest, lines.join('\n'));
    const c = checked(
      dir,
      'name: i\ndata: {path: manifest.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  image: {type: image, column: image_path, preprocessing: {missing: zeros}}\n',
    );
    const data = await prepareData(c);
    assert.deepEqual(data.missing, [{ input: 'image', column: 'image_path', action: 'zeros', count: 1 }]);
    const k = data.train.rows.indexOf(0);
    assert.ok(data.train.features.image!.subarray(k * 784, (k + 1) * 784).every((v) => v === 0));
    assert.ok(data.train.features.image!.subarray(((k + 1) % 20) * 784, (((k + 1) % 20) + 1) * 784).some((v) => v > 0));
    await assertRoundTrip(data, c.manifest);
  });
});
