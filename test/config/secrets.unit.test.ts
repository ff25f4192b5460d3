/**
 * Secrets in a config (src/config/secrets.ts, src/tracking/scrub.ts): what counts as one, how it is masked, and a
 * tracking store that masks every param, tag, run name and text artifact written through it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { loadConfig } from '../../src/experiment/load.js';
import { forgetSecrets, looksLikeCredentialName, rememberSecret, scrubSecrets, secretsInUrl } from '../../src/config/secrets.js';
import { scrubbingTracker } from '../../src/tracking/scrub.js';
import type { CreateRunOptions, MetricPoint, RunInfo, Tracker } from '../../src/tracking/tracker.js';
import { tempDir } from '../helpers/tmp.js';

/** A store that keeps what it is given. */
class Recorder implements Tracker {
  readonly uri = 'memory';
  run: CreateRunOptions | undefined;
  params: Record<string, string> | undefined;
  tags: Record<string, string> | undefined;
  readonly artifacts = new Map<string, string | Uint8Array>();
  private readonly info: RunInfo = { runId: 'r', experimentId: '0', runName: '', artifactUri: '', status: 'RUNNING', startTime: 0 };
  async getOrCreateExperiment(): Promise<string> {
    return '0';
  }
  async createRun(_e: string, o: CreateRunOptions): Promise<RunInfo> {
    this.run = o;
    return this.info;
  }
  async logParams(_r: string, p: Record<string, string>): Promise<void> {
    this.params = p;
  }
  async logMetrics(_r: string, _m: MetricPoint[]): Promise<void> {}
  async setTags(_r: string, t: Record<string, string>): Promise<void> {
    this.tags = t;
  }
  async logArtifact(_r: string, p: string, c: string | Uint8Array): Promise<void> {
    this.artifacts.set(p, c);
  }
  async endRun(): Promise<void> {}
  async getRun(): Promise<RunInfo> {
    return this.info;
  }
}

describe('secrets in a config', () => {
  afterEach(() => forgetSecrets());

  it('names that say credential, and names that do not', () => {
    for (const n of [
      'DB_PASSWORD',
      'MYSQLPASSWORD',
      'pass',
      'MY_PASS',
      'API_KEY',
      'OPENAI_APIKEY',
      'AWS_SECRET_ACCESS_KEY',
      'HF_TOKEN',
      'GH_PAT',
    ])
      assert.ok(looksLikeCredentialName(n), n);
    for (const n of ['AUTHORIZATION', 'BASIC_AUTH', 'SESSION_ID', 'PRIVATE_KEY', 'MLFLOW_TRACKING_TOKEN'])
      assert.ok(looksLikeCredentialName(n), n);
    for (const n of ['OWNER', 'AUTHOR', 'COMPASS_DIR', 'EPOCHS', 'TOKENIZERS_PARALLELISM', 'PASSENGERS', 'DATA_PATH'])
      assert.ok(!looksLikeCredentialName(n), n);
  });

  it('a URL holds its password, a bare userinfo, and credential query values', () => {
    assert.deepEqual(secretsInUrl('http://alice:s3cr%40t@host:5000/x'), ['s3cr%40t']);
    assert.deepEqual(secretsInUrl('https://ghp_abcdef@example.org'), ['ghp_abcdef']);
    assert.deepEqual(secretsInUrl('https://host/x?token=T0K3N&page=2&api_key=K3Y'), ['T0K3N', 'K3Y']);
    assert.deepEqual(secretsInUrl('https://host:5000/path'), []);
  });

  it('masks URL passwords anywhere, and every remembered secret as written and URL-encoded', () => {
    assert.equal(scrubSecrets('logged to http://alice:pw@host and redis://:p@q/0'), 'logged to http://alice:***@host and redis://:***@q/0');
    assert.equal(scrubSecrets('https://TOKEN123@host/x'), 'https://***@host/x');
    rememberSecret('s3cr@t-value');
    assert.equal(scrubSecrets('a s3cr@t-value b s3cr%40t-value'), 'a *** b ***');
    rememberSecret('true');
    rememberSecret('abc');
    assert.equal(scrubSecrets('true abc'), 'true abc', 'too common or too short to be masked');
  });

  it('loading a config remembers credential ${VAR}s and URL passwords (also from --set), nothing else', () => {
    const dir = tempDir('mmx-secrets-unit-');
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(
      file,
      `name: s
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs: {x: {type: numeric, column: a}}
tracking: {uri: 'http://bob:\${TRACK_PW}@host:5000', tags: {key: '\${DEPLOY_API_KEY}', who: '\${OWNER}'}}
`,
    );
    const env = { TRACK_PW: 'pw-from-env-1', DEPLOY_API_KEY: 'key-from-env-2', OWNER: 'team-ml-3' };
    const loaded = loadConfig(file, { env, overrides: ['tracking.tags.url=https://u:set-pw-4@h'] });
    assert.equal(loaded.config.tracking.tags.who, 'team-ml-3');
    assert.equal(
      scrubSecrets('pw-from-env-1 key-from-env-2 team-ml-3 set-pw-4 bob'),
      '*** *** team-ml-3 *** bob',
      'TRACK_PW does not say credential by its name, but it is a URL password',
    );
  });

  it('a scrubbing store masks params, tags, run names and text artifacts, and leaves binary artifacts alone', async () => {
    rememberSecret('hunter2-secret');
    const got = new Recorder();
    const store: Tracker = got;
    const t = scrubbingTracker(store, scrubSecrets);
    await t.createRun('0', { runName: 'run hunter2-secret', tags: { a: 'x hunter2-secret' } });
    await t.logParams('r', { 'tracking.uri': 'http://u:hunter2-secret@h', n: '3' });
    await t.setTags('r', { note: 'hunter2-secret' });
    await t.logArtifact('r', 'config/config.resolved.yaml', 'uri: http://u:hunter2-secret@h\n');
    await t.logArtifact('r', 'report.html', Buffer.from('<p>hunter2-secret</p>'));
    const weights = Buffer.from('hunter2-secret\0\x01');
    await t.logArtifact('r', 'model/weights.bin', weights);
    assert.deepEqual(got.run, { runName: 'run ***', tags: { a: 'x ***' } });
    assert.deepEqual(got.params, { 'tracking.uri': 'http://u:***@h', n: '3' });
    assert.deepEqual(got.tags, { note: '***' });
    assert.equal(got.artifacts.get('config/config.resolved.yaml'), 'uri: http://u:***@h\n');
    assert.equal(Buffer.from(got.artifacts.get('report.html') as Uint8Array).toString(), '<p>***</p>');
    assert.equal(got.artifacts.get('model/weights.bin'), weights);
    assert.equal(t.uri, 'memory');
  });
});
