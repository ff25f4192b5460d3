import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';

import { syncCommand } from '../../src/cli/commands/sync.js';
import { RestStore } from '../../src/tracking/rest/rest-store.js';
import { defaultSpoolDir, listSpooledRuns, RunSpool } from '../../src/tracking/spool/spool.js';
import { tempDir } from './helpers.js';
import { FakeMlflowServer } from './rest-fake-server.js';

const fast = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2 };

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { io: { stdout, stderr }, out: () => o, err: () => e };
}

async function setup(label: string) {
  const server = await new FakeMlflowServer().start();
  const spoolDir = tempDir('mmx-spool-');
  let clock = 1_700_000_000_000;
  const warnings: string[] = [];
  const store = new RestStore(server.url, {
    env: {},
    client: { retry: fast },
    spoolDir,
    probeIntervalMs: 1000,
    now: () => clock,
    onWarning: (m) => warnings.push(m),
  });
  const exp = await store.getOrCreateExperiment(label);
  const run = await store.createRun(exp, { runName: label });
  return {
    server,
    spoolDir,
    store,
    run,
    exp,
    warnings,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

const epoch = (step: number, value = step / 10) => [
  { key: 'val_loss', value, timestamp: 1_700_000_000_000 + step, step },
  { key: 'samples_per_sec', value: 100 + step, timestamp: 1_700_000_000_000 + step, step },
];

describe('spool: the server goes away mid-run and comes back', () => {
  it('keeps training, spools, replays on the next write once the server is back, in order', async () => {
    const { server, spoolDir, store, run, exp, warnings, tick } = await setup('midrun');
    try {
      await store.logParams(run.runId, { lr: '0.001' });
      await store.logMetrics(run.runId, epoch(1));

      server.down = true;
      await store.logMetrics(run.runId, [...epoch(2), { key: 'grad_norm', value: NaN, timestamp: 1_700_000_000_002, step: 2 }]);
      await store.logArtifact(run.runId, 'model/weights.bin', new Uint8Array([9, 8, 7]));
      await store.setTags(run.runId, { 'mmx.best_epoch': '2' });
      await store.logParams(run.runId, { 'model.parameters': '1234' });
      const file = path.join(spoolDir, `${run.runId}.jsonl`);
      assert.ok(fs.existsSync(file), 'spool written');
      assert.match(warnings.join('\n'), /unreachable.*training goes on.*mmx sync/s);
      assert.ok(!warnings.join('\n').includes('undefined'));

      // while spooling, writes do not wait on the server (no requests until the probe interval passes)
      const before = server.requests.length;
      await store.logMetrics(run.runId, epoch(3));
      assert.equal(server.requests.length, before);

      server.down = false;
      tick(1000);
      await store.logMetrics(run.runId, epoch(4));
      assert.ok(!fs.existsSync(file), 'spool removed once replayed');
      assert.ok(!fs.existsSync(path.join(spoolDir, `${run.runId}.blobs`)));
      assert.match(warnings.join('\n'), /reachable again: sent 5 spooled writes/);

      const r = server.run(run.runId);
      assert.deepEqual(
        r.metrics.filter((m) => m.key === 'val_loss').map((m) => m.step),
        [1, 2, 3, 4],
      );
      assert.ok(Number.isNaN(r.metrics.find((m) => m.key === 'grad_norm')!.value));
      assert.equal(r.params.get('model.parameters'), '1234');
      assert.equal(r.tags.get('mmx.best_epoch'), '2');
      assert.deepEqual([...server.artifacts.get(`${exp}/${run.runId}/artifacts/model/weights.bin`)!], [9, 8, 7]);
    } finally {
      await server.stop();
    }
  });

  it('spools the end of the run when the server is still away, and `mmx sync` finishes it', async () => {
    const { server, spoolDir, store, run, warnings } = await setup('atend');
    try {
      await store.logMetrics(run.runId, epoch(1));
      server.down = true;
      await store.logMetrics(run.runId, epoch(2));
      await store.endRun(run.runId, 'FINISHED', 1_700_000_999_000);
      assert.match(warnings.join('\n'), /still unreachable: 2 writes of run \w+ \(ending it FINISHED\) are kept in .*mmx sync/);
      const info = await store.getRun(run.runId);
      assert.equal(info.status, 'FINISHED', 'getRun answers from what the store knows');
      assert.equal(server.run(run.runId).status, 'RUNNING');
      assert.deepEqual(await listSpooledRuns(spoolDir), [run.runId]);

      server.down = false;
      const c = capture();
      const code = await syncCommand([], { spoolDir }, c.io, {});
      assert.equal(code, 0, c.err());
      assert.match(c.out(), new RegExp(`run ${run.runId} -> ${server.url.replace(/\./g, '\\.')}: 2 metric points, ended FINISHED`));
      const r = server.run(run.runId);
      assert.equal(r.status, 'FINISHED');
      assert.equal(r.endTime, 1_700_000_999_000);
      assert.deepEqual(
        r.metrics.filter((m) => m.key === 'val_loss').map((m) => m.step),
        [1, 2],
      );
      assert.deepEqual(await listSpooledRuns(spoolDir), []);

      const again = capture();
      assert.equal(await syncCommand([], { spoolDir }, again.io, {}), 0);
      assert.match(again.out(), /nothing to sync/);
    } finally {
      await server.stop();
    }
  });

  it('`mmx sync` leaves the spool in place while the server is still down, and says so', async () => {
    const { server, spoolDir, store, run } = await setup('stilldown');
    try {
      server.down = true;
      await store.logMetrics(run.runId, epoch(1));
      await server.stop();
      const c = capture();
      const code = await syncCommand([run.runId], { spoolDir }, c.io, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
      assert.equal(code, 1);
      assert.match(c.out(), /1 write still spooled \(The MLflow tracking server at .* is unavailable/);
      assert.deepEqual(await listSpooledRuns(spoolDir), [run.runId]);
    } finally {
      await server.stop().catch(() => undefined);
    }
  });

  it('`mmx sync --uri` sends a spool to a server that moved', async () => {
    const { server, spoolDir, store, run } = await setup('moved');
    try {
      server.down = true;
      await store.logMetrics(run.runId, epoch(1));
      // the spool names the old address; the run lives on at the new one
      const spool = (await RunSpool.open(spoolDir, run.runId))!;
      const text = fs.readFileSync(spool.file, 'utf8').replace(server.url, 'http://127.0.0.1:9');
      fs.writeFileSync(spool.file, text);
      server.down = false;
      const c = capture();
      assert.equal(await syncCommand([], { spoolDir, uri: server.url }, c.io, {}), 0, c.err());
      assert.equal(server.run(run.runId).metrics.length, 2);
      const bad = capture();
      await assert.rejects(syncCommand([], { spoolDir, uri: './runs' }, bad.io, {}), /--uri must be an MLflow tracking server/);
    } finally {
      await server.stop();
    }
  });
});

describe('spool: replay is idempotent', () => {
  it('resumes after a failure mid-replay without sending anything twice', async () => {
    const { server, spoolDir, store, run } = await setup('resume');
    try {
      server.down = true;
      for (let s = 1; s <= 4; s++) await store.logMetrics(run.runId, epoch(s));
      server.down = false;
      // the server goes away right after the second spooled write: the third meets a dropped connection
      let batches = 0;
      server.beforeRoute = (r) => {
        if (r.path.endsWith('runs/log-batch') && ++batches === 2) {
          server.down = true;
          server.beforeRoute = undefined;
        }
      };
      const fresh = new RestStore(server.url, { env: {}, client: { retry: { maxRetries: 0 } }, spoolDir, onWarning: () => undefined });
      const first = await fresh.syncSpool(run.runId);
      assert.equal(first!.sent.batches, 2);
      assert.equal(first!.pending, 2);
      assert.equal(first!.done, false);
      server.down = false;
      const second = await fresh.syncSpool(run.runId);
      assert.equal(second!.sent.batches, 2);
      assert.equal(second!.done, true);
      assert.deepEqual(
        server
          .run(run.runId)
          .metrics.filter((m) => m.key === 'val_loss')
          .map((m) => m.step),
        [1, 2, 3, 4],
      );
    } finally {
      await server.stop();
    }
  });

  it('accepts a param replayed with the value it already has, and keeps writes the server refuses', async () => {
    const { server, spoolDir, store, run } = await setup('refused');
    try {
      await store.logParams(run.runId, { lr: '0.001', fusion: 'gated' });
      server.down = true;
      await store.logParams(run.runId, { lr: '0.001' }); // same value: fine on replay
      await store.logParams(run.runId, { fusion: 'concat' }); // a new value: the server refuses it
      await store.logMetrics(run.runId, epoch(1));
      server.down = false;
      const c = capture();
      const code = await syncCommand([run.runId], { spoolDir }, c.io, {});
      assert.equal(code, 1);
      assert.match(c.out(), /1 metric points?|2 metric points/);
      assert.match(c.out(), /1 write refused/);
      assert.match(c.err(), /refused #2 \(batch\): .*Changing param values is not allowed/);
      assert.match(c.err(), /kept in .*\.rejected\.jsonl/);
      assert.equal(server.run(run.runId).params.get('fusion'), 'gated');
      assert.equal(server.run(run.runId).metrics.length, 2);
      assert.deepEqual(await listSpooledRuns(spoolDir), [], 'the refused write is kept aside, not replayed again');
      assert.ok(fs.existsSync(path.join(spoolDir, `${run.runId}.rejected.jsonl`)));
    } finally {
      await server.stop();
    }
  });
});

describe('spool: files', () => {
  it('lives under $MMX_SPOOL_DIR, else $XDG_STATE_HOME/mmx/spool, else ~/.local/state/mmx/spool', () => {
    assert.equal(defaultSpoolDir({ MMX_SPOOL_DIR: '/tmp/x' }), path.resolve('/tmp/x'));
    assert.equal(defaultSpoolDir({ XDG_STATE_HOME: '/state' }), path.join('/state', 'mmx', 'spool'));
    assert.match(defaultSpoolDir({}), /\.local[/\\]state[/\\]mmx[/\\]spool$/);
  });

  it('keeps no credentials and survives a line cut short by a crash', async () => {
    const dir = tempDir('mmx-spool-');
    const spool = await RunSpool.create(dir, {
      runId: 'abc123',
      experimentId: '1',
      artifactUri: 'mlflow-artifacts:/1/abc123/artifacts',
      trackingUri: 'https://mlflow.example.com',
      createdAt: 1,
    });
    await spool.append({ op: 'batch', metrics: [{ key: 'm', value: NaN, timestamp: 1, step: 0 }], params: [], tags: [] });
    fs.appendFileSync(spool.file, '{"seq":2,"at":1,"op":"ba');
    const again = (await RunSpool.open(dir, 'abc123'))!;
    const st = await again.state();
    assert.equal(st.pending.length, 1);
    assert.equal(st.pending[0]!.op, 'batch');
    assert.match(fs.readFileSync(spool.file, 'utf8'), /"value":"NaN"/);
  });

  it('mmx sync reports a run id that has nothing spooled', async () => {
    const c = capture();
    assert.equal(await syncCommand(['feedbeef'], { spoolDir: tempDir('mmx-spool-') }, c.io, {}), 1);
    assert.match(c.err(), /run feedbeef: nothing spooled/);
  });
});
