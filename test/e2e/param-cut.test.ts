/**
 * A param longer than MLflow's 6,000 characters is logged cut, and the run says so, on either store: a tabular
 * input with 600 columns (its `columns` list is a ~9,000-character param) trained for one epoch, once into a
 * file store and once into the in-test MLflow server.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TRUNCATION_MARKER } from '../../src/tracking/run-context.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../tracking/helpers.js';
import { FakeMlflowServer } from '../tracking/rest-fake-server.js';

const COLUMNS = Array.from({ length: 600 }, (_, i) => `feature_${String(i).padStart(4, '0')}`);

function manifest(file: string): void {
  const rows = [[...COLUMNS, 'label', 'split'].join(',')];
  for (let r = 0; r < 60; r++) {
    const split = r < 40 ? 'train' : r < 50 ? 'validation' : 'test';
    rows.push([...COLUMNS.map((_, c) => ((r * 31 + c * 7) % 13) / 13), r % 2 ? 'a' : 'b', split].join(','));
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

const config = (uri: string): string => `name: wide
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: classification}
inputs:
  x: {type: numeric, column: ${COLUMNS[0]}, columns: [${COLUMNS.slice(1).join(', ')}], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: 1, batch_size: 16}
tracking: {uri: '${uri}', experiment: wide}
`;

const WARNING =
  /^warning: param 'inputs\.x\.columns' is \d{4,} characters long; MLflow keeps at most 6000: it is logged cut, ending in '\.\.\.\[truncated\]'/m;

describe('a param cut at 6,000 characters', () => {
  const dir = tempDir('mmx-param-cut-');
  const server = new FakeMlflowServer();
  before(async () => {
    manifest(path.join(dir, 'manifest.csv'));
    await server.start();
  });
  after(() => server.stop());

  it('is warned about on the file store', { timeout: 200_000 }, async () => {
    writeFileSync(path.join(dir, 'file.yaml'), config('runs'));
    const r = await runCli(['run', 'file.yaml', '--plain'], { cwd: dir, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, WARNING);
    assert.equal(r.stderr.match(/param 'inputs\.x\.columns'/g)?.length, 1, 'warned once');
    const artifacts = r.stdout
      .split('\n')
      .find((l) => l.trimStart().startsWith('artifacts '))!
      .trim()
      .split(/\s+/)[1]!;
    const value = readFileSync(path.join(path.dirname(path.resolve(dir, artifacts)), 'params', 'inputs.x.columns'), 'utf8');
    assert.equal(value.length, 6000);
    assert.ok(value.endsWith(TRUNCATION_MARKER));
  });

  it('is warned about on a tracking server', { timeout: 200_000 }, async () => {
    writeFileSync(path.join(dir, 'rest.yaml'), config(server.url));
    const r = await runCli(['run', 'rest.yaml', '--plain'], { cwd: dir, timeoutMs: 180_000, env: { MLFLOW_TRACKING_URI: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, WARNING);
    assert.equal(r.stderr.match(/param 'inputs\.x\.columns'/g)?.length, 1, 'warned once');
    const sent = server
      .calls('runs/log-batch')
      .flatMap((req) => (req.json?.params as { key: string; value: string }[] | undefined) ?? [])
      .find((p) => p.key === 'inputs.x.columns');
    assert.ok(sent && sent.value.length === 6000 && sent.value.endsWith(TRUNCATION_MARKER));
  });
});
