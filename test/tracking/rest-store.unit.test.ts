import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { TrackingError } from '../../src/tracking/errors.js';
import { pathToFileUri } from '../../src/tracking/file-uri.js';
import { MLFLOW_BATCH_LIMITS, sanitizeKey, splitBatch, type WireMetric } from '../../src/tracking/rest/batch.js';
import { RestStore, type RestStoreOptions } from '../../src/tracking/rest/rest-store.js';
import { TRUNCATION_MARKER } from '../../src/tracking/run-context.js';
import { asReader } from '../../src/tracking/tracker.js';
import { tempDir } from './helpers.js';
import { FakeMlflowServer } from './rest-fake-server.js';

const fast = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };

function makeStore(server: FakeMlflowServer, extra: RestStoreOptions = {}): { store: RestStore; warnings: string[] } {
  const warnings: string[] = [];
  const store = new RestStore(server.url, {
    env: {},
    client: { retry: fast },
    spoolDir: tempDir('mmx-spool-'),
    user: 'tester',
    onWarning: (m) => warnings.push(m),
    ...extra,
  });
  return { store, warnings };
}

function batchBodies(server: FakeMlflowServer, since = 0): { metrics: unknown[]; params: unknown[]; tags: unknown[]; bytes: number }[] {
  return server.requests
    .slice(since)
    .filter((r) => r.path.endsWith('runs/log-batch'))
    .map((r) => ({
      metrics: (r.json?.metrics as unknown[]) ?? [],
      params: (r.json?.params as unknown[]) ?? [],
      tags: (r.json?.tags as unknown[]) ?? [],
      bytes: r.body.length,
    }));
}

describe('RestStore: experiments and runs', () => {
  let server: FakeMlflowServer;
  before(async () => {
    server = await new FakeMlflowServer().start();
  });
  after(() => server.stop());

  it('finds an experiment by name, else creates it', async () => {
    const { store } = makeStore(server);
    const id = await store.getOrCreateExperiment('avmnist');
    assert.equal(await store.getOrCreateExperiment('avmnist'), id);
    assert.equal(await store.getOrCreateExperiment('Default'), '0');
    assert.equal(server.calls('experiments/create').length, 1);
    assert.deepEqual(await store.getExperimentByName('avmnist'), {
      experimentId: id,
      name: 'avmnist',
      artifactLocation: `mlflow-artifacts:/${id}`,
      lifecycleStage: 'active',
      creationTime: server.experiments.get(id)!.created,
      lastUpdateTime: server.experiments.get(id)!.created,
    });
    assert.equal(await store.getExperimentByName('nope'), undefined);
  });

  it('tolerates a concurrent create (RESOURCE_ALREADY_EXISTS → get again)', async () => {
    const { store } = makeStore(server);
    let otherId = '';
    server.beforeRoute = (r) => {
      if (r.path.endsWith('experiments/create')) {
        server.beforeRoute = undefined;
        otherId = server.addExperiment('raced');
      }
    };
    const id = await store.getOrCreateExperiment('raced');
    assert.equal(id, otherId);
  });

  it('refuses a deleted experiment with a way out', async () => {
    const { store } = makeStore(server);
    const id = server.addExperiment('gone');
    server.experiments.get(id)!.lifecycle = 'deleted';
    await assert.rejects(store.getOrCreateExperiment('gone'), /exists in deleted state.*mlflow experiments restore --experiment-id/);
    assert.equal(await store.getExperimentByName('gone'), undefined);
  });

  it('creates a run, logs params, metrics and tags, and ends it', async () => {
    const { store, warnings } = makeStore(server);
    const exp = await store.getOrCreateExperiment('lifecycle');
    const run = await store.createRun(exp, { runName: 'first', tags: { 'mmx.version': '0.1.0' }, startTime: 1_700_000_000_000 });
    assert.equal(run.runName, 'first');
    assert.equal(run.status, 'RUNNING');
    assert.equal(run.startTime, 1_700_000_000_000);
    assert.equal(run.artifactUri, `mlflow-artifacts:/${exp}/${run.runId}/artifacts`);
    const create = server.calls('runs/create').at(-1)!.json!;
    assert.equal(create.user_id, 'tester');
    assert.equal(create.run_name, 'first');
    assert.deepEqual(create.tags, [
      { key: 'mmx.version', value: '0.1.0' },
      { key: 'mlflow.runName', value: 'first' },
    ]);

    await store.logParams(run.runId, { 'training.epochs': '3', 'fusion.type': 'gated' });
    await store.logMetrics(run.runId, [
      { key: 'val_loss', value: 0.5, timestamp: 1_700_000_001_000, step: 1 },
      { key: 'val_loss', value: 0.25, timestamp: 1_700_000_002_000, step: 2 },
    ]);
    await store.setTags(run.runId, { 'mmx.backend': 'wasm' });
    await store.endRun(run.runId, 'FINISHED', 1_700_000_003_000);

    const info = await store.getRun(run.runId);
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.endTime, 1_700_000_003_000);
    const data = await store.getRunData(run.runId);
    assert.deepEqual(data.params, { 'training.epochs': '3', 'fusion.type': 'gated' });
    assert.deepEqual(data.metrics, { val_loss: 0.25 });
    assert.equal(data.tags['mmx.backend'], 'wasm');
    const history = await store.getMetricHistory(run.runId, 'val_loss');
    assert.deepEqual(history, [
      { key: 'val_loss', value: 0.5, timestamp: 1_700_000_001_000, step: 1 },
      { key: 'val_loss', value: 0.25, timestamp: 1_700_000_002_000, step: 2 },
    ]);
    const update = server.calls('runs/update').at(-1)!.json!;
    assert.deepEqual(update, { run_id: run.runId, run_uuid: run.runId, status: 'FINISHED', end_time: 1_700_000_003_000 });
    assert.deepEqual(warnings, []);
  });

  it('sends NaN and ±Infinity the way MLflow accepts them, and integer timestamps', async () => {
    const { store } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('nan'), { runName: 'n' });
    await store.logMetrics(run.runId, [
      { key: 'loss', value: NaN, timestamp: 1000.7, step: 0 },
      { key: 'loss', value: Infinity, timestamp: 2000, step: 1 },
      { key: 'loss', value: -Infinity, timestamp: 3000, step: 2 },
    ]);
    const sent = server.calls('runs/log-batch').at(-1)!.body.toString('utf8');
    assert.match(sent, /"value":"NaN","timestamp":1001,"step":0/);
    assert.match(sent, /"value":"Infinity"/);
    assert.match(sent, /"value":"-Infinity"/);
    const h = await store.getMetricHistory(run.runId, 'loss');
    assert.ok(Number.isNaN(h[0]!.value));
    assert.equal(h[1]!.value, Infinity);
    assert.equal(h[2]!.value, -Infinity);
  });

  it('keeps params write-once: the same value again is fine, a new one is a clear error', async () => {
    const { store } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('once'), { runName: 'o' });
    await store.logParams(run.runId, { lr: '0.001' });
    await store.logParams(run.runId, { lr: '0.001' });
    await assert.rejects(store.logParams(run.runId, { lr: '0.1' }), (e: unknown) => {
      assert.ok(e instanceof TrackingError);
      assert.equal(e.code, 'INVALID_PARAMETER_VALUE');
      assert.match(
        e.message,
        /rejected runs\/log-batch \(HTTP 400 Bad Request, INVALID_PARAMETER_VALUE\): Changing param values is not allowed/,
      );
      return true;
    });
  });

  it('reports a run that does not exist', async () => {
    const { store } = makeStore(server);
    await assert.rejects(
      store.getRun('0123456789abcdef'),
      (e: unknown) => e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('searches runs on the server with MLflow filters and order', async () => {
    const { store } = makeStore(server);
    const exp = await store.getOrCreateExperiment('search');
    for (const [name, acc, fusion] of [
      ['a', 0.8, 'concat'],
      ['b', 0.95, 'gated'],
      ['c', 0.92, 'gated'],
    ] as const) {
      const r = await store.createRun(exp, { runName: name });
      await store.logParams(r.runId, { 'fusion.type': fusion });
      await store.logMetrics(r.runId, [{ key: 'test_accuracy', value: acc, timestamp: 1, step: 0 }]);
    }
    const hits = await store.searchRuns([exp], {
      filter: "metrics.test_accuracy > 0.9 and params.fusion.type = 'gated'",
      orderBy: ['metrics.test_accuracy DESC'],
    });
    assert.deepEqual(
      hits.map((h) => h.info.runName),
      ['b', 'c'],
    );
    assert.equal(hits[0]!.metrics.test_accuracy, 0.95);
    const req = server.calls('runs/search').at(-1)!.json!;
    assert.equal(req.run_view_type, 'ACTIVE_ONLY');
    assert.deepEqual(req.experiment_ids, [exp]);
    assert.equal((await store.searchRuns([exp], { maxResults: 2 })).length, 2);
  });
});

describe('RestStore: log-batch limits', () => {
  let server: FakeMlflowServer;
  before(async () => {
    server = await new FakeMlflowServer().start();
  });
  after(() => server.stop());

  it('splits metrics, params and tags to MLflow limits (the server enforces them)', async () => {
    const { store } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('limits'), { runName: 'l' });
    const since = server.requests.length;
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 7}`, value: i, timestamp: 1_700_000_000_000 + i, step: i }));
    await store.logMetrics(run.runId, metrics);
    await store.logParams(run.runId, Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)])));
    await store.setTags(run.runId, Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, String(i)])));
    const bodies = batchBodies(server, since);
    assert.deepEqual(
      bodies.map((b) => [b.metrics.length, b.params.length, b.tags.length]),
      [
        [1000, 0, 0],
        [1000, 0, 0],
        [500, 0, 0],
        [0, 100, 0],
        [0, 100, 0],
        [0, 50, 0],
        [0, 0, 100],
        [0, 0, 20],
      ],
    );
    const r = server.run(run.runId);
    assert.equal(r.metrics.length, 2500);
    assert.equal(r.params.size, 250);
    assert.deepEqual(
      r.metrics.filter((m) => m.key === 'm3').map((m) => m.step),
      metrics.filter((m) => m.key === 'm3').map((m) => m.step),
      'order kept',
    );
  });

  it('keeps each request under 1 MB', async () => {
    const { store, warnings } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('bytes'), { runName: 'b' });
    const since = server.requests.length;
    await store.logParams(run.runId, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'é'.repeat(6000)])));
    await store.setTags(run.runId, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 'x'.repeat(5000)])));
    const bodies = batchBodies(server, since);
    assert.ok(bodies.length >= 2);
    for (const b of bodies) assert.ok(b.bytes <= 1_000_000, `${b.bytes} bytes`);
    assert.equal(server.run(run.runId).params.size, 100);
    assert.equal(server.run(run.runId).tags.size, 100 + 1);
    assert.deepEqual(warnings, []);
  });

  it('mixes kinds within the 1000-entity limit', () => {
    const metrics: WireMetric[] = Array.from({ length: 950 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const params = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    const tags = Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const bodies = splitBatch('r1', { metrics, params, tags });
    for (const b of bodies) {
      assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000);
      assert.ok(b.params.length <= 100 && b.tags.length <= 100 && b.metrics.length <= 1000);
    }
    assert.equal(
      bodies.reduce((n, b) => n + b.metrics.length, 0),
      950,
    );
    assert.deepEqual(splitBatch('r1', { metrics: [], params: [], tags: [] }), []);
    const tiny = splitBatch('r1', { metrics, params: [], tags: [] }, { ...MLFLOW_BATCH_LIMITS, maxBytes: 2000 });
    for (const b of tiny) assert.ok(Buffer.byteLength(JSON.stringify(b)) <= 2000);
  });

  it('cuts long values with a marker and sanitises keys, saying so', async () => {
    const { store, warnings } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('sanitise'), { runName: 's' });
    const long = 'y'.repeat(7000);
    await store.logParams(run.runId, {
      'inputs.image:encoder': 'cnn',
      '/leading': 'a',
      'x//y/': 'b',
      ['k'.repeat(300)]: 'c',
      big: long,
      'a:b': '1',
      'a?b': '2',
    });
    await store.logMetrics(run.runId, [{ key: 'val acc%', value: 1, timestamp: 1, step: 0 }]);
    await store.setTags(run.runId, { 'note<1>': 'z'.repeat(6000) });
    const r = server.run(run.runId);
    assert.equal(r.params.get('inputs.image_encoder'), 'cnn');
    assert.equal(r.params.get('leading'), 'a');
    assert.equal(r.params.get('x/y'), 'b');
    assert.equal(r.params.get('k'.repeat(250)), 'c');
    assert.equal(r.params.get('big')!.length, 6000);
    assert.ok(r.params.get('big')!.endsWith(TRUNCATION_MARKER));
    assert.equal(r.params.get('a_b'), '1');
    assert.equal(r.params.get('a_b_2'), '2');
    assert.equal(r.metrics[0]!.key, 'val acc_');
    assert.equal(r.tags.get('note_1_')!.length, 5000);
    const text = warnings.join('\n');
    assert.match(text, /param name 'inputs\.image:encoder' is not valid in MLflow .*logged as 'inputs\.image_encoder'/);
    assert.match(text, /param 'big' is 7000 characters long; MLflow keeps at most 6000/);
    assert.match(text, /metric name 'val acc%'.*logged as 'val acc_'/);
    assert.match(text, /'a:b' and 'a\?b' both become 'a_b'/);
    assert.match(text, /tag 'note_1_' is 6000 characters long/);
  });

  it('sanitizeKey leaves valid keys alone and always yields a valid one', () => {
    for (const k of ['a', 'a/b', 'val_loss', 'x.y-z w', 'é/ü']) assert.equal(sanitizeKey(k), k);
    assert.equal(sanitizeKey(''), '_');
    assert.equal(sanitizeKey('..'), '__');
    assert.equal(sanitizeKey('./a/../b'), 'a/__/b');
    assert.equal(sanitizeKey(`${'a'.repeat(249)}/b`), 'a'.repeat(249));
  });
});

describe('RestStore: artifacts', () => {
  it('uploads to mlflow-artifacts with PUT and reads them back', async () => {
    const server = await new FakeMlflowServer().start();
    after(() => server.stop());
    const { store } = makeStore(server);
    const exp = await store.getOrCreateExperiment('art');
    const run = await store.createRun(exp, { runName: 'a' });
    const weights = new Uint8Array([0, 1, 2, 255, 254]);
    await store.logArtifact(run.runId, 'model/weights.bin', weights);
    await store.logArtifact(run.runId, 'config/config yaml.yaml', 'a: 1\n');
    const puts = server.requests.filter((r) => r.method === 'PUT');
    assert.deepEqual(
      puts.map((p) => p.path),
      [
        `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.runId}/artifacts/model/weights.bin`,
        `/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.runId}/artifacts/config/config%20yaml.yaml`,
      ],
    );
    assert.equal(puts[0]!.headers['content-type'], 'application/octet-stream');
    assert.equal(puts[1]!.headers['content-type'], 'text/yaml');
    assert.deepEqual([...server.artifacts.get(`${exp}/${run.runId}/artifacts/model/weights.bin`)!], [...weights]);
    const reader = asReader(store);
    assert.deepEqual(await reader.listArtifacts(run.runId), [
      { path: 'model', isDir: true },
      { path: 'config', isDir: true },
    ]);
    assert.deepEqual(await reader.listArtifacts(run.runId, 'model'), [{ path: 'model/weights.bin', isDir: false, fileSize: 5 }]);
    assert.deepEqual([...(await reader.downloadArtifact(run.runId, 'model/weights.bin'))], [...weights]);
    await assert.rejects(store.logArtifact(run.runId, '../escape', 'x'), /must not contain '\.\.'/);
  });

  it('writes directly when the run has a local file: artifact location', async () => {
    const root = tempDir('mmx-artifacts-');
    const server = await new FakeMlflowServer({ artifactRoot: pathToFileUri(root) }).start();
    after(() => server.stop());
    const { store } = makeStore(server);
    const exp = await store.getOrCreateExperiment('local');
    const run = await store.createRun(exp, { runName: 'l' });
    assert.equal(run.artifactDir, path.join(root, exp, run.runId, 'artifacts'));
    await store.logArtifact(run.runId, 'metrics.json', '{"a":1}');
    assert.equal(fs.readFileSync(path.join(root, exp, run.runId, 'artifacts', 'metrics.json'), 'utf8'), '{"a":1}');
    assert.equal(server.requests.filter((r) => r.method === 'PUT').length, 0);
    assert.equal(Buffer.from(await store.downloadArtifact(run.runId, 'metrics.json')).toString(), '{"a":1}');
  });

  it('says how to fix an artifact location it cannot upload to', async () => {
    const server = await new FakeMlflowServer({ artifactRoot: 's3://bucket/mlflow' }).start();
    after(() => server.stop());
    const { store } = makeStore(server);
    const run = await store.createRun(await store.getOrCreateExperiment('s3'), { runName: 's' });
    await assert.rejects(store.logArtifact(run.runId, 'a.txt', 'x'), /--serve-artifacts/);
  });
});

describe('RestStore: endRunSync', () => {
  it('ends the run from a child process when the event loop cannot run', async () => {
    // the server must live in another process: endRunSync blocks this one
    const dir = tempDir();
    const log = path.join(dir, 'requests.log');
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const http=require('http');const fs=require('fs');
         const s=http.createServer((q,r)=>{let b='';q.on('data',c=>b+=c);q.on('end',()=>{fs.appendFileSync(${JSON.stringify(log)},JSON.stringify({path:q.url,auth:q.headers.authorization||null,body:b})+'\\n');r.writeHead(200,{'Content-Type':'application/json'});r.end('{}');});});
         s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    after(() => child.kill());
    const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const spoolDir = tempDir('mmx-spool-');
    const store = new RestStore(`http://127.0.0.1:${port}`, {
      env: { MLFLOW_TRACKING_TOKEN: 'sync-token-1' },
      spoolDir,
      onWarning: () => undefined,
    });
    store.endRunSync('abcdef0123456789', 'KILLED', 1_700_000_009_000);
    const lines = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; auth: string; body: string });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.path, '/api/2.0/mlflow/runs/update');
    assert.equal(lines[0]!.auth, 'Bearer sync-token-1');
    assert.deepEqual(JSON.parse(lines[0]!.body), {
      run_id: 'abcdef0123456789',
      run_uuid: 'abcdef0123456789',
      status: 'KILLED',
      end_time: 1_700_000_009_000,
    });
    assert.deepEqual(fs.readdirSync(spoolDir), [], 'nothing spooled');
  });

  it('spools the end synchronously when the server is unreachable', () => {
    const spoolDir = tempDir('mmx-spool-');
    const warnings: string[] = [];
    const store = new RestStore('http://127.0.0.1:9', { env: {}, spoolDir, onWarning: (m) => warnings.push(m), endRunSyncTimeoutMs: 3000 });
    store.endRunSync('abcdef0123456789', 'KILLED', 5);
    const text = fs.readFileSync(path.join(spoolDir, 'abcdef0123456789.jsonl'), 'utf8');
    assert.match(text, /"op":"end","status":"KILLED","endTime":5/);
    assert.match(warnings.join('\n'), /mmx sync/);
  });
});
