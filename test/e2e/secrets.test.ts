/**
 * Secrets never reach an artifact, a param, a tag or a log line. A password in `tracking.uri`
 * (`http://user:pass@host`) used to be written in plain text into `config.resolved.yaml`, `report.html` and the
 * logged params. Here a real run (one epoch) logs to the in-test MLflow server with a password in its URI (written
 * in the config, and given with `--set`), and to a file store, with `${VAR}` values that look like credentials in
 * its tags; then every artifact, param, tag, the terminal output and every file of the store are searched for
 * each secret.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { FakeMlflowServer } from '../tracking/rest-fake-server.js';

const PASSWORD = 'Pw-tracking-31337';
const API_KEY = 'KEY-abcdef-424242';
const TOKEN = 'TOK-zyxw-98765';
const SECRETS = [PASSWORD, API_KEY, TOKEN, encodeURIComponent(PASSWORD)];

function manifest(file: string): void {
  const rows = ['a,b,label,split'];
  for (let i = 0; i < 80; i++) rows.push(`${(i % 11) / 11},${(i % 7) / 7},c${i % 2},${i < 50 ? 'train' : i < 65 ? 'validation' : 'test'}`);
  writeFileSync(file, rows.join('\n') + '\n');
}

const config = (uri: string): string => `name: secrets
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: 1, batch_size: 16}
tracking:
  uri: '${uri}'
  experiment: secrets
  tags: {deploy_key: '\${DEPLOY_API_KEY}', build: 'ci-\${BUILD_TOKEN}', owner: '\${OWNER}'}
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function assertClean(where: string, text: string): void {
  for (const s of SECRETS)
    assert.ok(!text.includes(s), `secret '${s}' in ${where}:\n${text.slice(Math.max(0, text.indexOf(s) - 300), text.indexOf(s) + 100)}`);
}

const env = {
  DEPLOY_API_KEY: API_KEY,
  BUILD_TOKEN: TOKEN,
  OWNER: 'ml-team',
  MLFLOW_TRACKING_URI: '',
  MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
};

describe('no secret in an artifact, a param, a tag or a log line', () => {
  const server = new FakeMlflowServer();
  before(async () => {
    await server.start();
  });
  after(() => server.stop());

  for (const how of ['in the config', 'with --set'] as const) {
    it(`a password in the tracking server's URI, given ${how}`, { timeout: 120_000 }, async () => {
      const dir = tempDir('mmx-secrets-');
      manifest(path.join(dir, 'm.csv'));
      const uri = server.url.replace('http://', `http://alice:${encodeURIComponent(PASSWORD)}@`);
      writeFileSync(path.join(dir, 'exp.yaml'), config(how === 'in the config' ? uri : 'runs'));
      const before = new Set(server.runs.keys());
      const args = ['run', 'exp.yaml', '--plain', ...(how === 'with --set' ? ['--set', `tracking.uri=${uri}`] : [])];
      const r = await runCli(args, { cwd: dir, env: { ...env, MMX_SPOOL_DIR: path.join(dir, 'spool') } });
      assert.equal(r.code, 0, r.stderr);
      const runId = [...server.runs.keys()].find((k) => !before.has(k))!;
      const run = server.run(runId);
      // what the server got is the run's: it authenticated with the password (so the URI was used), and kept none
      assert.ok(server.requests.some((q) => q.headers.authorization === `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`));
      assertClean('stdout', r.stdout);
      assertClean('stderr', r.stderr);
      for (const [k, v] of run.params) assertClean(`param ${k}`, `${k}=${v}`);
      for (const [k, v] of run.tags) assertClean(`tag ${k}`, `${k}=${v}`);
      const artifacts = [...server.artifacts.entries()].filter(([p]) => p.includes(runId));
      assert.ok(artifacts.some(([p]) => p.endsWith('config/config.resolved.yaml')));
      assert.ok(artifacts.some(([p]) => p.endsWith('report.html')));
      for (const [p, b] of artifacts) assertClean(`artifact ${p}`, b.toString('latin1'));
      // the URI is still logged, without the password; the tags are there, their secret values masked
      assert.equal(run.params.get('tracking.uri'), server.url.replace('http://', 'http://alice:***@'));
      assert.equal(run.tags.get('deploy_key'), '***');
      assert.equal(run.tags.get('build'), 'ci-***');
      assert.equal(run.tags.get('owner'), 'ml-team');
    });
  }

  it('a file store: no credential-like ${VAR} value in any file of the store', { timeout: 120_000 }, async () => {
    const dir = tempDir('mmx-secrets-');
    manifest(path.join(dir, 'm.csv'));
    writeFileSync(path.join(dir, 'exp.yaml'), config('runs'));
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assertClean('stdout', r.stdout);
    assertClean('stderr', r.stderr);
    const files = filesUnder(path.join(dir, 'runs'));
    assert.ok(files.some((f) => f.endsWith('report.html')));
    for (const f of files) assertClean(f, readFileSync(f).toString('latin1'));
    const tag = files.find((f) => f.endsWith(path.join('tags', 'deploy_key')))!;
    assert.equal(readFileSync(tag, 'utf8'), '***');
  });
});
