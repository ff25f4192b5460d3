/**
 * Predictions people can join back (`mmx predict --id-column`), and evaluation runs recorded like training runs
 * (`mmx evaluate --log`: the split, mmx's version, the git commit, the data's hash).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { MMX_VERSION } from '../../src/version.js';
import { runCli } from '../helpers/cli.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { trainTiny, type TinyModel } from '../helpers/tiny-models.js';

const dir = tempDir('mmx-predict-ids-');
let model: TinyModel;
const rowsOf = (csv: string) => parse(csv, { columns: true }) as Record<string, string>[];

before(async () => {
  // a git repository holding the data, as a project would
  writeFileSync(path.join(dir, 'penguins.csv'), readFileSync(dataPath('penguins', 'manifest.csv')));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'add', 'penguins.csv');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'data');
  model = await trainTiny(
    dir,
    'penguins',
    `name: penguins
data: {path: penguins.csv, split: {column: split}}
target: {column: label}
inputs:
  size: {type: numeric, column: bill_length_mm, columns: [flipper_length_mm], encoder: {type: dense, layers: [4], output_dim: 4}}
  island: {type: categorical, column: island}
fusion: {type: concat, hidden: [4]}
training: {epochs: 2, batch_size: 32}
tracking: {experiment: ids, uri: ./runs}
`,
  );
});

describe('mmx predict --id-column', () => {
  it("keeps the data's id column, in the data's order; the manifest row by default", async () => {
    const byId = await runCli(['predict', model.modelDir, 'penguins.csv', '--split', 'test', '--id-column', 'id'], { cwd: dir });
    assert.equal(byId.code, 0, byId.stderr);
    const manifest = rowsOf(readFileSync(path.join(dir, 'penguins.csv'), 'utf8'));
    const test = manifest.filter((r) => r['split'] === 'test');
    const out = rowsOf(byId.stdout);
    assert.equal(Object.keys(out[0]!)[0], 'id');
    assert.deepEqual(
      out.map((r) => r['id']),
      test.map((r) => r['id']),
    );
    const byRow = rowsOf((await runCli(['predict', model.modelDir, 'penguins.csv', '--split', 'test'], { cwd: dir })).stdout);
    assert.equal(Object.keys(byRow[0]!)[0], 'row');
    assert.deepEqual(
      byRow.map((r) => manifest[Number(r['row']) - 1]!['id']),
      test.map((r) => r['id']),
    );
    assert.deepEqual(
      byRow.map((r) => r['predicted']),
      out.map((r) => r['predicted']),
    );
  });

  it('names an id column the data lacks, with a did-you-mean (exit 2)', async () => {
    const r = await runCli(['predict', model.modelDir, 'penguins.csv', '--id-column', 'idd'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--id-column idd: the data has no column 'idd'/);
    assert.match(r.stderr, /did you mean 'id'\?/);
  });
});

describe('mmx evaluate --log', () => {
  it('records the split, mmx version, git commit and data hash, as a training run records its own', async () => {
    const r = await runCli(['evaluate', model.run.runId, 'penguins.csv', '--split', 'test', '--log'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const id = /logged evaluation run ([0-9a-f]{32})/.exec(r.stderr)?.[1];
    assert.ok(id, r.stderr);
    const runDir = path.join(dir, 'runs', model.run.experimentId, id);
    const tag = (k: string) => readFileSync(path.join(runDir, 'tags', k), 'utf8');
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    assert.equal(tag('mmx.evaluation.split'), 'test');
    assert.equal(tag('mmx.version'), MMX_VERSION);
    assert.equal(tag('mlflow.source.git.commit'), commit);
    assert.equal(tag('mmx.evaluated_run_id'), model.run.runId);
    assert.match(tag('mmx.data_hash'), /^[0-9a-f]{64}$/);
    // the training run's own commit tag is the same commit: the two join on it
    const trainingTags = readdirSync(path.join(dir, 'runs', model.run.experimentId, model.run.runId, 'tags'));
    assert.ok(trainingTags.includes('mlflow.source.git.commit'));
    assert.equal(
      readFileSync(path.join(dir, 'runs', model.run.experimentId, model.run.runId, 'tags', 'mlflow.source.git.commit'), 'utf8'),
      commit,
    );
  });
});
