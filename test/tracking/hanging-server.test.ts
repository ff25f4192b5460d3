/**
 * A tracking server that accepts connections and never answers (after creating the run). It used to block a
 * run for 120 s × 6 attempts per request and keep SIGTERM waiting for minutes, leaving the run RUNNING on the
 * server. Here: SIGTERM mid-request ends the process within the shutdown deadline, with the run's unsent writes
 * and its KILLED end in the spool (which `mmx sync` delivers once the server answers again); and with short
 * timeouts a whole run against the hanging server trains, finishes and spools instead of waiting.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startCli } from '../sweep/fixtures/queue-redis.js';
import { tempDir } from '../helpers/tmp.js';
import { FakeMlflowServer, type RecordedRequest } from './rest-fake-server.js';

function experiment(dir: string, uri: string, epochs: number): void {
  const rows = ['a,b,label,split'];
  for (let i = 0; i < 200; i++)
    rows.push(`${(i % 11) / 11},${(i % 7) / 7},c${i % 2},${i < 140 ? 'train' : i < 170 ? 'validation' : 'test'}`);
  writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: hang
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: ${epochs}, batch_size: 16}
tracking: {uri: '${uri}', experiment: hang}
`,
  );
}

/** Everything but finding the experiment and creating the run hangs while `on` is set. */
const hangAfterCreate = (state: { on: boolean }) => (r: RecordedRequest) => state.on && !/experiments\/|runs\/create/.test(r.path);

/** The spool file of the one run in `dir`: its entries. */
function spoolEntries(dir: string): { op: string; status?: string; params?: { key: string }[] }[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 1, `spool files: ${files.join(', ')}`);
  return readFileSync(path.join(dir, files[0]!), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { op: string })
    .filter((e) => 'op' in e);
}

describe('a tracking server that never answers', () => {
  let server: FakeMlflowServer;
  const state = { on: false };
  before(async () => {
    server = await new FakeMlflowServer().start();
    server.hangOn = hangAfterCreate(state);
  });
  after(() => server.stop());

  it('SIGTERM mid-request: the process exits within the deadline, the run ends KILLED via the spool', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-hang-term-');
    const spool = path.join(dir, 'spool');
    experiment(dir, server.url, 200);
    state.on = true;
    const hungBefore = server.requests.length;
    const cli = startCli(['run', 'exp.yaml', '--plain'], { cwd: dir, env: { MMX_SPOOL_DIR: spool, MLFLOW_TRACKING_URI: '' } });
    // the first write after runs/create (the params) is in flight and never answered
    for (let i = 0; i < 600 && !server.requests.slice(hungBefore).some((r) => r.path.endsWith('runs/log-batch')); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      server.requests.slice(hungBefore).some((r) => r.path.endsWith('runs/log-batch')),
      cli.stderr(),
    );
    const t0 = performance.now();
    cli.child.kill('SIGTERM');
    const code = await Promise.race([cli.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    const seconds = (performance.now() - t0) / 1000;
    if (code === 'hung') cli.child.kill('SIGKILL');
    assert.equal(code, 130, `exit ${code} after ${seconds.toFixed(1)} s:\n${cli.stderr()}`);
    console.log(`# SIGTERM to exit against a hanging server: ${seconds.toFixed(1)} s (shutdown deadline 5 s)`);
    assert.match(cli.stderr(), /SIGTERM: the run stops after this batch/);
    assert.match(cli.stderr(), /recorded as KILLED/);
    assert.match(cli.stderr(), /kept in \S+\.jsonl \(run `mmx sync`\)/);
    const entries = spoolEntries(spool);
    assert.ok(
      entries.some((e) => e.op === 'batch' && e.params?.some((p) => p.key === 'training.epochs')),
      'the params in flight are spooled',
    );
    assert.deepEqual(entries.at(-1), { ...entries.at(-1), op: 'end', status: 'KILLED' });

    // the server answers again: mmx sync ends the run KILLED there, with its params
    state.on = false;
    const runId = [...server.runs.keys()].at(-1)!;
    assert.equal(server.run(runId).status, 'RUNNING');
    const sync = await runCli(['sync', '--spool-dir', spool], { cwd: dir, env: { MLFLOW_TRACKING_URI: '' } });
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal(server.run(runId).status, 'KILLED');
    assert.equal(server.run(runId).params.get('training.epochs'), '200');
  });

  it('with short timeouts a whole run trains and finishes, its writes spooled instead of waited for', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-hang-run-');
    const spool = path.join(dir, 'spool');
    experiment(dir, server.url, 3);
    state.on = true;
    const r = await runCli(['run', 'exp.yaml', '--plain'], {
      cwd: dir,
      env: { MMX_SPOOL_DIR: spool, MLFLOW_HTTP_REQUEST_TIMEOUT: '2', MLFLOW_TRACKING_URI: '' },
      timeoutMs: 180_000,
    });
    state.on = false;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /epoch 3\/3/);
    assert.match(r.stderr, /is unreachable \(.*no answer within 2(\.0)? ?s/);
    assert.match(r.stderr, /still unreachable: .* kept in \S+\.jsonl\. Run `mmx sync`/);
    const entries = spoolEntries(spool);
    assert.equal(entries.at(-1)!.op, 'end');
    assert.equal(entries.at(-1)!.status, 'FINISHED');
  });
});
