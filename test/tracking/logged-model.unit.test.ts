/**
 * The `mlflow.log-model.history` tag, recorded as MLflow's stores record it: the file store appends the model's dict
 * to the JSON list in the tag file (json.dumps formatting, no length limit); the REST store posts `runs/log-model`
 * with the dict as `model_json` (the server appends it), and spools it as the tag while the server is away.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileStore } from '../../src/tracking/file-store.js';
import { LOGGED_MODELS_TAG, recordLoggedModel } from '../../src/tracking/logged-model.js';
import { pyJson } from '../../src/tracking/py-json.js';
import { RestStore } from '../../src/tracking/rest/rest-store.js';
import type { Tracker } from '../../src/tracking/tracker.js';
import { tempDir } from './helpers.js';
import { MlflowFileStoreReader } from './mlflow-reader.js';
import { FakeMlflowServer } from './rest-fake-server.js';

const model = (runId: string, uuid: string) => ({
  run_id: runId,
  artifact_path: 'model',
  utc_time_created: '2024-05-01 12:34:56.789000',
  flavors: { tfjs: { format: 'layers-model', custom_layers: ['MmxGatedCombine'] }, mmx: { mmx_version: '0.1.0', note: 'ünïcode' } },
  model_uuid: uuid,
  signature: { inputs: '[{"type": "string", "name": "image_path", "required": true}]', outputs: '[]', params: null },
  model_size_bytes: 1234,
});

describe('recording a logged model', () => {
  it('file store: appends to the tag as MLflow FileStore.record_logged_model does, readable by MLflow', async () => {
    const root = path.join(tempDir(), 'runs');
    const store = new FileStore(root, { user: 'tester' });
    const exp = await store.getOrCreateExperiment('e');
    const run = await store.createRun(exp, { runName: 'r' });
    await store.recordLoggedModel(run.runId, model(run.runId, 'a'.repeat(32)));
    await store.recordLoggedModel(run.runId, {
      ...model(run.runId, 'b'.repeat(32)),
      signature: { inputs: 'x'.repeat(6000), outputs: null, params: null },
    });
    const text = fs.readFileSync(path.join(run.artifactDir!, '..', 'tags', LOGGED_MODELS_TAG), 'utf8');
    assert.equal(
      text,
      pyJson([
        model(run.runId, 'a'.repeat(32)),
        { ...model(run.runId, 'b'.repeat(32)), signature: { inputs: 'x'.repeat(6000), outputs: null, params: null } },
      ]),
    );
    assert.match(text, /^\[\{"run_id": "[0-9a-f]{32}", "artifact_path": "model", /);
    assert.match(text, /\\u00fcn\\u00efcode/);
    const read = new MlflowFileStoreReader(root).getRun(run.runId);
    assert.equal((JSON.parse(read.tags[LOGGED_MODELS_TAG]!) as unknown[]).length, 2);
    // not on a run that is no longer active
    await store.endRun(run.runId, 'FINISHED');
    fs.writeFileSync(
      path.join(run.artifactDir!, '..', 'meta.yaml'),
      fs
        .readFileSync(path.join(run.artifactDir!, '..', 'meta.yaml'), 'utf8')
        .replace('lifecycle_stage: active', 'lifecycle_stage: deleted'),
    );
    await assert.rejects(store.recordLoggedModel(run.runId, model(run.runId, 'c'.repeat(32))), /active/);
  });

  it('REST store: POST runs/log-model with model_json as Python writes it; spooled as the tag while the server is away', async () => {
    const server = await new FakeMlflowServer().start();
    try {
      const warnings: string[] = [];
      const store = new RestStore(server.url, {
        env: {},
        client: { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 } },
        spoolDir: tempDir('mmx-spool-'),
        user: 'tester',
        onWarning: (m) => warnings.push(m),
      });
      const exp = await store.getOrCreateExperiment('e');
      const run = await store.createRun(exp, { runName: 'r' });
      const m = model(run.runId, 'a'.repeat(32));
      await store.recordLoggedModel(run.runId, m);
      const call = server.calls('runs/log-model')[0]!;
      assert.equal(call.json?.run_id, run.runId);
      assert.equal(call.json?.model_json, pyJson(m));
      assert.deepEqual(JSON.parse(server.runs.get(run.runId)!.tags.get(LOGGED_MODELS_TAG)!), [m]);

      // a second run while the server is down: kept, then sent as the tag the server would have written
      const run2 = await store.createRun(exp, { runName: 'r2' });
      server.down = true;
      await store.recordLoggedModel(run2.runId, model(run2.runId, 'b'.repeat(32)));
      assert.match(warnings.join('\n'), /unreachable/);
      server.down = false;
      await store.flush();
      assert.equal(server.runs.get(run2.runId)!.tags.get(LOGGED_MODELS_TAG), pyJson([model(run2.runId, 'b'.repeat(32))]));
    } finally {
      await server.stop();
    }
  });

  it('on a store without the method: the tag set to the one-model list when it fits, else a warning', async () => {
    const set: Record<string, string>[] = [];
    const tracker = { setTags: async (_id: string, tags: Record<string, string>) => void set.push(tags) } as Pick<Tracker, 'setTags'>;
    const warnings: string[] = [];
    const small = model('r'.repeat(32), 'a'.repeat(32));
    assert.equal(await recordLoggedModel(tracker as Tracker, 'r'.repeat(32), small, (w) => warnings.push(w)), true);
    assert.deepEqual(set, [{ [LOGGED_MODELS_TAG]: pyJson([small]) }]);
    const big = { ...small, signature: { inputs: 'x'.repeat(6000), outputs: null, params: null } };
    assert.equal(await recordLoggedModel(tracker as Tracker, 'r'.repeat(32), big, (w) => warnings.push(w)), false);
    assert.match(warnings.join('\n'), /longer than an MLflow tag holds/);
  });
});
