import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { FileStore } from '../../src/tracking/file-store.js';
import { RestStore } from '../../src/tracking/rest/rest-store.js';
import { parseTrackingUri, resolveTracker, TrackingUriError } from '../../src/tracking/resolve.js';

const cwd = path.resolve('/work/project');

function localRoot(uri: string): string {
  const t = parseTrackingUri(uri, cwd);
  assert.equal(t.kind, 'file', uri);
  return t.kind === 'file' ? t.root : '';
}

function rootOf(t: unknown): string {
  assert.ok(t instanceof FileStore);
  return t.root;
}

describe('resolveTracker precedence', () => {
  it('defaults to ./runs under cwd', () => {
    assert.equal(rootOf(resolveTracker({ cwd, env: {} })), path.join(cwd, 'runs'));
  });

  it('uses MLFLOW_TRACKING_URI when the config has no uri', () => {
    assert.equal(rootOf(resolveTracker({ cwd, env: { MLFLOW_TRACKING_URI: '/data/mlruns' } })), path.resolve('/data/mlruns'));
    assert.equal(rootOf(resolveTracker({ cwd, env: { MLFLOW_TRACKING_URI: '  ' } })), path.join(cwd, 'runs'), 'blank is unset');
  });

  it('prefers the config uri over the environment', () => {
    const t = resolveTracker({ cwd, uri: 'mine', env: { MLFLOW_TRACKING_URI: 'https://mlflow.example.com' } });
    assert.equal(rootOf(t), path.join(cwd, 'mine'));
  });

  it('exposes the store location as uri', () => {
    assert.equal(resolveTracker({ cwd, env: {} }).uri, path.join(cwd, 'runs'));
  });
});

describe('tracking URI forms', () => {
  it('accepts local paths and file: URIs', () => {
    assert.equal(localRoot('./runs'), path.join(cwd, 'runs'));
    assert.equal(localRoot('../elsewhere/mlruns'), path.resolve(cwd, '../elsewhere/mlruns'));
    assert.equal(localRoot('/abs/mlruns'), path.resolve('/abs/mlruns'));
    assert.equal(localRoot('~/mlruns'), path.join(os.homedir(), 'mlruns'));
    assert.equal(localRoot('file:///abs/ml%20runs'), path.resolve('/abs/ml runs'));
    assert.equal(localRoot('file://localhost/abs/mlruns'), path.resolve('/abs/mlruns'));
    assert.equal(localRoot('file:/abs/mlruns'), path.resolve('/abs/mlruns'));
    assert.equal(localRoot('file:relative/mlruns'), path.join(cwd, 'relative', 'mlruns'));
    assert.equal(localRoot('FILE:relative'), path.join(cwd, 'relative'));
  });

  it('gives a REST store for http(s) tracking servers, without credentials in its uri', () => {
    for (const [uri, shown] of [
      ['http://localhost:5000', 'http://localhost:5000'],
      ['https://mlflow.example.com/', 'https://mlflow.example.com'],
      ['https://mlflow.example.com/prefix/', 'https://mlflow.example.com/prefix'],
      ['https://user:s3cret@mlflow.example.com', 'https://mlflow.example.com'],
    ] as const) {
      const t = resolveTracker({ cwd, env: { MLFLOW_TRACKING_URI: uri } });
      assert.ok(t instanceof RestStore, uri);
      assert.equal(t.uri, shown);
      const target = parseTrackingUri(uri, cwd);
      assert.equal(target.kind, 'rest');
      assert.ok(!target.uri.includes('s3cret'));
    }
    assert.ok(resolveTracker({ cwd, uri: 'HTTP://127.0.0.1:5000', env: {} }) instanceof RestStore);
  });

  it('rejects an http URI without a host', () => {
    assert.throws(() => parseTrackingUri('http://', cwd), TrackingUriError);
  });

  it('rejects other schemes with the supported forms', () => {
    for (const uri of ['databricks', 'databricks://profile', 'sqlite:///mlflow.db', 'postgresql://u@h/db', 'mysql://x', 's3://bucket/x']) {
      assert.throws(
        () => resolveTracker({ cwd, uri }),
        (e: unknown) => {
          assert.ok(e instanceof TrackingUriError, uri);
          assert.ok(e.message.includes(uri));
          assert.match(e.message, /file:\/\/\/abs\/path/);
          assert.match(e.message, /local folder/);
          assert.match(e.message, /MLflow tracking server \(http:/);
          return true;
        },
      );
    }
    assert.throws(() => parseTrackingUri('file://otherhost/x', cwd), TrackingUriError);
  });
});
