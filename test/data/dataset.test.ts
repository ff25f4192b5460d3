import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { prepareData, sortClasses } from '../../src/data/dataset.js';
import { DataError } from '../../src/data/errors.js';
import { readManifest } from '../../src/data/manifest.js';
import { assignSplits } from '../../src/data/split.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = () => tempDir('mmx-data-');

describe('manifests', () => {
  it('reads CSV, TSV and JSONL alike, keeping line numbers', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'a.csv'), 'x,label\n"a, b",1\n\nc,2\n');
    writeFileSync(path.join(dir, 'a.tsv'), 'x\tlabel\na, b\t1\nc\t2\n');
    writeFileSync(path.join(dir, 'a.jsonl'), '{"x": "a, b", "label": 1}\n{"x": "c", "label": 2, "extra": null}\n');
    for (const f of ['a.csv', 'a.tsv', 'a.jsonl']) {
      const m = readManifest(path.join(dir, f));
      assert.deepEqual(
        m.rows.map((r) => [r.x, r.label]),
        [
          ['a, b', '1'],
          ['c', '2'],
        ],
        f,
      );
    }
    assert.deepEqual(readManifest(path.join(dir, 'a.csv')).lines, [2, 4]);
    assert.deepEqual(readManifest(path.join(dir, 'a.jsonl')).columns, ['x', 'label', 'extra']);
  });

  it('rejects ragged rows and bad JSON with the line', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'b.csv'), 'x,label\n1,2\n3\n');
    assert.throws(
      () => readManifest(path.join(dir, 'b.csv')),
      (e: unknown) => e instanceof DataError && e.where.line === 3 && /has 1 fields/.test(e.message),
    );
    writeFileSync(path.join(dir, 'b.jsonl'), '{"x": 1}\n{"x": \n');
    assert.throws(
      () => readManifest(path.join(dir, 'b.jsonl')),
      (e: unknown) => e instanceof DataError && e.where.line === 2,
    );
  });
});

describe('splits', () => {
  const manifest = {
    file: 'm.csv',
    format: 'csv' as const,
    columns: ['label'],
    rows: Array.from({ length: 100 }, (_, i) => ({ label: i < 80 ? 'a' : 'b' })),
    lines: Array.from({ length: 100 }, (_, i) => i + 2),
  };
  const labels = manifest.rows.map((r) => r.label);

  it('ratios with stratification keep class proportions, are seeded and disjoint', () => {
    const split = {
      ratios: { train: 0.8, validation: 0.1, test: 0.1 },
      stratify: true,
      train: 'train',
      validation: 'validation',
      test: 'test',
    };
    const s = assignSplits(manifest, split, labels, 1);
    assert.equal(s.train.length + s.validation.length + s.test.length, 100);
    assert.equal(new Set([...s.train, ...s.validation, ...s.test]).size, 100);
    assert.equal(s.test.filter((i) => labels[i] === 'b').length, 2);
    assert.equal(s.validation.filter((i) => labels[i] === 'b').length, 2);
    assert.deepEqual(assignSplits(manifest, split, labels, 1), s);
    assert.notDeepEqual(assignSplits(manifest, split, labels, 2).test, s.test);
  });

  it('an empty split named by column is an error listing the values found', () => {
    const m = { ...manifest, columns: ['label', 'split'], rows: manifest.rows.map((r) => ({ ...r, split: 'train' })) };
    assert.throws(
      () => assignSplits(m, { column: 'split', train: 'train', validation: 'validation', test: 'test', stratify: false }, labels, 1),
      /the validation split is empty/,
    );
  });

  it('sorts numeric classes numerically', () => {
    assert.deepEqual(sortClasses(['10', '2', '1']), ['1', '2', '10']);
    assert.deepEqual(sortClasses(['b', 'a', '1']), ['1', 'a', 'b']);
  });
});

describe('prepareData on real AV-MNIST-style files', () => {
  it('decodes every input, standardises audio on the training split only, indexes labels', async () => {
    const dir = tmp();
    avmnistSubset(dir, { train: 3, validation: 1, test: 1 });
    writeFileSync(
      path.join(dir, 'x.yaml'),
      `name: d
data: {path: manifest.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path}
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000, n_mels: 16, max_duration_s: 0.5}}
`,
    );
    const checked = checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
    const data = await prepareData(checked);
    assert.deepEqual(data.state.target.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(data.train.labels.length, 30);
    assert.equal(data.test.labels.length, 10);
    assert.equal(data.train.features.image!.length, 30 * 28 * 28);
    const speech = data.state.inputs.find((i) => i.name === 'speech')!;
    assert.deepEqual(speech.shape, [51, 16]);
    assert.equal(speech.normalization.kind, 'standardize');
    // standardised with training statistics: the training features have mean ≈ 0 and std ≈ 1
    const x = data.train.features.speech!;
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-3, `${mean} ${std}`);
    // images stay in [0, 1]
    assert.ok(data.test.features.image!.every((v) => v >= 0 && v <= 1));
    assert.match(data.dataHash, /^[0-9a-f]{64}$/);
  });

  it('a label that never occurs in training is an error naming the row', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 1, validation: 1, test: 1 });
    const text = readManifest(manifest).rows;
    const lines = [
      'image_path,audio_path,label,split',
      ...text.map((r) => [r.image_path, r.audio_path, r.split === 'test' && r.label === '3' ? '11' : r.label, r.split].join(',')),
    ];
    writeFileSync(manifest, lines.join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'x.yaml'),
      'name: d\ndata: {path: manifest.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  image: {type: image, column: image_path}\n',
    );
    const checked = checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
    await assert.rejects(
      prepareData(checked),
      (e: unknown) =>
        e instanceof DataError && /label '11' does not occur in the training split/.test(e.message) && e.where.column === 'label',
    );
  });
});
