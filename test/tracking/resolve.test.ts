import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { FileStore } from '../../src/tracking/file-store.js';
import { parseTrackingUri, resolveTracker, TrackingUriError } from '../../src/tracking/resolve.js';

const cwd = path.resolve('/work/project');

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
    assert.equal(parseTrackingUri('./runs', cwd).root, path.join(cwd, 'runs'));
    assert.equal(parseTrackingUri('../elsewhere/mlruns', cwd).root, path.resolve(cwd, '../elsewhere/mlruns'));
    assert.equal(parseTrackingUri('/abs/mlruns', cwd).root, path.resolve('/abs/mlruns'));
    assert.equal(parseTrackingUri('~/mlruns', cwd).root, path.join(os.homedir(), 'mlruns'));
    assert.equal(parseTrackingUri('file:///abs/ml%20runs', cwd).root, path.resolve('/abs/ml runs'));
    assert.equal(parseTrackingUri('file://localhost/abs/mlruns', cwd).root, path.resolve('/abs/mlruns'));
    assert.equal(parseTrackingUri('file:/abs/mlruns', cwd).root, path.resolve('/abs/mlruns'));
    assert.equal(parseTrackingUri('file:relative/mlruns', cwd).root, path.join(cwd, 'relative', 'mlruns'));
    assert.equal(parseTrackingUri('FILE:relative', cwd).root, path.join(cwd, 'relative'));
  });

  it('rejects http(s) tracking servers for now, naming the URI', () => {
    for (const uri of ['http://localhost:5000', 'https://mlflow.example.com/']) {
      assert.throws(
        () => resolveTracker({ cwd, env: { MLFLOW_TRACKING_URI: uri } }),
        (e: unknown) => {
          assert.ok(e instanceof TrackingUriError);
          assert.equal(e.uri, uri);
          assert.ok(e.message.includes(uri));
          assert.match(e.message, /not supported yet/);
          return true;
        },
      );
    }
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
          return true;
        },
      );
    }
    assert.throws(() => parseTrackingUri('file://otherhost/x', cwd), TrackingUriError);
  });
});
