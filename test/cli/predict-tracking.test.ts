/**
 * `mmx predict` / `mmx evaluate RUN_ID` against a tracking server: a server that is down is named as down (its
 * URL, without the credentials), not reported as "run not found"; a run the server does not have is.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../tracking/helpers.js';
import { FakeMlflowServer } from '../tracking/rest-fake-server.js';

const RUN_ID = '0123456789abcdef0123456789abcdef';
const env = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_TRACKING_URI: '' };

describe('predict and evaluate with a tracking server', () => {
  const dir = tempDir('mmx-predict-server-');
  const live = new FakeMlflowServer();
  let downUrl = '';
  before(async () => {
    await live.start();
    // a port that was just listening and is closed now: connection refused
    const gone = await new FakeMlflowServer().start();
    downUrl = gone.url;
    await gone.stop();
  });
  after(() => live.stop());

  for (const command of ['predict', 'evaluate']) {
    it(`${command}: a server that is down is named, with its URL and no secret`, { timeout: 60_000 }, async () => {
      const port = new URL(downUrl).port;
      const uri = `http://reader:s3cret-pass@127.0.0.1:${port}`;
      const r = await runCli([command, RUN_ID, path.join(dir, 'rows.csv'), '--uri', uri], { cwd: dir, env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`tracking server at http://127\\.0\\.0\\.1:${port}/? is unavailable`));
      assert.doesNotMatch(r.stderr, /not found/);
      assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pass/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('a run the server does not have is "not found"', { timeout: 60_000 }, async () => {
    const r = await runCli(['predict', RUN_ID, path.join(dir, 'rows.csv'), '--uri', live.url], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`run ${RUN_ID} not found in ${live.url.replace(/[.]/g, '\\.')}`));
  });
});
