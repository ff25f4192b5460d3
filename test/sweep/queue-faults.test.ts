/**
 * `mmx sweep --queue` + `mmx worker` as separate processes on a real redis-server (password-protected, no
 * persistence), with the stand-in trial (fixtures/queue-fake-trial.ts: real file-store runs, no training):
 * every trial finishes exactly once with three workers; a worker SIGKILLed mid-trial has its trial retried on
 * another one (the killed attempt's run does not stay RUNNING); a Redis restart (its data lost) mid-sweep still
 * finishes; a killed coordinator's sweep resumes by re-attaching to its queued trials; the password never shows; a worker on "another host" refuses a local file store.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../src/tracking/file-store.js';
import { freePort, redisMissing, startCli, stop, TestRedis, type CliProc } from './fixtures/queue-redis.js';
import { tempDir } from '../helpers/tmp.js';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'queue-fake-trial.ts');
const PASSWORD = 'pa55-w0rd-Zq9';
const missing = redisMissing();
if (missing) console.log(`# ${missing}`);

function setup(trials: string) {
  const dir = tempDir('mmx-queue-');
  writeFileSync(path.join(dir, 'm.csv'), 'image_path,label,split\na.png,1,train\n');
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: fake
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path}
training: {epochs: 4}
tracking: {uri: runs, experiment: fake}
sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parallel: 3
  parameters:
    training.optimizer.learning_rate: {values: ${trials}}
    fusion.hidden: {values: [[16], [32]]}
`,
  );
  return dir;
}

const env = (dir: string, extra: Record<string, string> = {}) => ({
  MMX_QUEUE_TRIAL_SCRIPT: FAKE,
  MMX_QUEUE_LOCK_MS: '2000',
  MMX_QUEUE_STALLED_MS: '1000',
  FAKE_LOG: path.join(dir, 'started.log'),
  FAKE_EPOCH_MS: '300',
  ...extra,
});

interface Summary {
  status: string;
  sweep_run_id: string;
  experiment_id: string;
  trials: { trial: number; status: string; run_id: string; value: number }[];
  queue?: { url: string; retries: number };
}

/** Every run of the sweep in the file store, with status and tags. */
async function childRuns(dir: string, s: Summary) {
  const store = new FileStore(path.join(dir, 'runs'));
  const ids = readdirSync(path.join(dir, 'runs', s.experiment_id)).filter((d) => /^[0-9a-f]{32}$/.test(d) && d !== s.sweep_run_id);
  return Promise.all(ids.map(async (id) => store.getRunData(id)));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function assertNoPassword(dir: string, texts: string[]): void {
  for (const t of texts) assert.ok(!t.includes(PASSWORD), `password in output:\n${t.slice(0, 2000)}`);
  for (const f of filesUnder(path.join(dir, 'runs'))) assert.ok(!readFileSync(f, 'utf8').includes(PASSWORD), `password in ${f}`);
}

/** The coordinator's exit code; on a hang (3 min, a guard generous enough for a loaded machine), everyone's stderr in the failure. */
async function exitOf(coord: CliProc, workers: CliProc[], ms = 180_000): Promise<number | null> {
  const t = new Promise<'hang'>((r) => setTimeout(() => r('hang'), ms).unref());
  const code = await Promise.race([coord.exited, t]);
  if (code === 'hang')
    throw new Error(`the sweep did not end:\n${coord.stderr()}\n${coord.stdout()}\n${workers.map((w) => w.stderr()).join('\n---\n')}`);
  return code;
}

async function exactlyOnce(dir: string, s: Summary, n: number) {
  assert.equal(s.status, 'FINISHED');
  assert.equal(s.trials.length, n);
  assert.deepEqual(
    s.trials.map((t) => t.status),
    Array(n).fill('FINISHED'),
  );
  // an orphaned trial of a killed worker ends its run at its next epoch
  await new Promise((r) => setTimeout(r, 1000));
  const runs = await childRuns(dir, s);
  for (const t of s.trials) {
    const mine = runs.filter((r) => r.tags['sweep.trial'] === String(t.trial));
    assert.equal(
      mine.filter((r) => r.info.status === 'FINISHED').length,
      1,
      `trial ${t.trial}: ${mine.map((r) => `${r.tags['mmx.sweep.attempt']}:${r.info.status}`)}`,
    );
    assert.equal(mine.find((r) => r.info.status === 'FINISHED')!.info.runId, t.run_id);
    for (const r of mine)
      assert.notEqual(r.info.status, 'RUNNING', `trial ${t.trial} attempt ${r.tags['mmx.sweep.attempt']} still RUNNING`);
    for (const r of mine) assert.equal(r.tags['mlflow.parentRunId'], s.sweep_run_id);
  }
  return runs;
}

describe('mmx sweep --queue with mmx workers (real redis-server)', { skip: missing }, () => {
  let redis: TestRedis;
  const procs: CliProc[] = [];
  before(async () => {
    redis = new TestRedis(await freePort(), PASSWORD);
    await redis.start();
  });
  after(async () => {
    for (const p of procs) await stop(p);
    await redis?.kill();
  });
  const stopAll = async () => {
    for (const p of procs.splice(0)) await stop(p);
  };

  it('3 workers: every trial finishes exactly once; a worker SIGKILLed mid-trial is retried on another', { timeout: 300_000 }, async () => {
    await stopAll();
    const dir = setup('[0.001, 0.01, 0.1]');
    const e = env(dir);
    const t0 = Date.now();
    const workers = [0, 1, 2].map(() => startCli(['worker', '--queue', redis.url], { cwd: os.tmpdir(), env: e }));
    procs.push(...workers);
    const coord = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json'], { cwd: dir, env: e });
    procs.push(coord);
    // kill the first worker a little into its first trial
    await workers[0]!.waitFor(/attempt 1: run [0-9a-f]{32}/, 120_000);
    await new Promise((r) => setTimeout(r, 400));
    workers[0]!.child.kill('SIGKILL');
    assert.equal(await exitOf(coord, [...workers]), 0, coord.stderr());
    const wall = (Date.now() - t0) / 1000;
    const s = JSON.parse(coord.stdout()) as Summary;
    const runs = await exactlyOnce(dir, s, 6);
    const retried = runs.filter((r) => Number(r.tags['mmx.sweep.attempt']) > 1);
    assert.ok(retried.length >= 1, 'a retried attempt');
    const killed = runs.filter((r) => r.info.status !== 'FINISHED');
    assert.ok(killed.length >= 1 && killed.every((r) => r.info.status === 'FAILED' || r.info.status === 'KILLED'));
    assert.ok(s.queue && s.queue.retries >= 1);
    assert.equal(s.queue.url, `redis://:***@127.0.0.1:${redis.port}/0`);
    for (const r of runs) assert.equal(r.tags['mmx.sweep.queue'], s.queue.url);
    assertNoPassword(dir, [coord.stdout(), coord.stderr(), ...workers.map((w) => w.stderr())]);
    console.log(`# queue: 6 trials, 3 workers (one SIGKILLed), ${wall.toFixed(1)} s, ${s.queue.retries} retried attempt(s)`);
    for (const w of workers.slice(1)) await stop(w);
  });

  it('Redis restarted mid-sweep (its data lost): the sweep still finishes, each trial once', { timeout: 300_000 }, async () => {
    await stopAll();
    const dir = setup('[0.001, 0.01, 0.1]');
    const e = env(dir);
    const workers = [0, 1].map(() => startCli(['worker', '--queue', redis.url, '--concurrency', '2'], { cwd: os.tmpdir(), env: e }));
    procs.push(...workers);
    const coord = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json'], { cwd: dir, env: e });
    procs.push(coord);
    await workers[0]!.waitFor(/attempt 1: FINISHED/, 120_000);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    assert.equal(await exitOf(coord, workers), 0, coord.stderr());
    const s = JSON.parse(coord.stdout()) as Summary;
    await exactlyOnce(dir, s, 6).catch((err: Error) => {
      err.message += `\n${coord.stderr()}\n${workers.map((w) => w.stderr()).join('\n---\n')}`;
      throw err;
    });
    assertNoPassword(dir, [coord.stdout(), coord.stderr(), ...workers.map((w) => w.stderr())]);
    console.log(`# queue: Redis restart, ${s.queue?.retries} retried attempt(s)`);
    for (const w of workers) await stop(w);
  });

  it('coordinator killed: --resume re-attaches to the queued trials instead of re-running them', { timeout: 300_000 }, async () => {
    await stopAll();
    const dir = setup('[0.001, 0.01]');
    const e = env(dir);
    const w = startCli(['worker', '--queue', redis.url, '--concurrency', '2'], { cwd: os.tmpdir(), env: e });
    procs.push(w);
    const first = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--plain'], { cwd: dir, env: e });
    procs.push(first);
    await w.waitFor(/attempt 1: FINISHED/, 120_000);
    await stop(first);
    const parent = /parent run\s+([0-9a-f]{32})/.exec(first.stdout())![1]!;
    const again = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json', '--resume', parent], { cwd: dir, env: e });
    procs.push(again);
    assert.equal(await exitOf(again, [w]), 0, again.stderr());
    const s = JSON.parse(again.stdout()) as Summary;
    assert.equal(s.sweep_run_id, parent);
    await exactlyOnce(dir, s, 4);
    // every trial's process started once: the trials queued before the coordinator died were not run again
    const starts = readFileSync(path.join(dir, 'started.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    assert.deepEqual([...starts].sort(), ['1', '2', '3', '4']);
    await stop(w);
  });

  it('a worker on another host refuses a local file store unless --shared-store', { timeout: 300_000 }, async () => {
    await stopAll();
    const dir = setup('[0.01]');
    const e = env(dir, { MMX_QUEUE_HOSTNAME: 'some-other-host' });
    const w = startCli(['worker', '--queue', redis.url], { cwd: os.tmpdir(), env: e });
    procs.push(w);
    const coord = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json', '--set', 'sweep.parallel=2'], { cwd: dir, env: e });
    procs.push(coord);
    assert.equal(await exitOf(coord, [w]), 1, coord.stderr());
    const s = JSON.parse(coord.stdout()) as Summary & { trials: { error: string }[] };
    assert.deepEqual(
      s.trials.map((t) => t.status),
      ['FAILED', 'FAILED'],
    );
    assert.match(s.trials[0]!.error, /local tracking store .* --shared-store/);
    await stop(w);
    const shared = startCli(['worker', '--queue', redis.url, '--shared-store'], { cwd: os.tmpdir(), env: e });
    procs.push(shared);
    const again = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json'], { cwd: dir, env: e });
    procs.push(again);
    assert.equal(await exitOf(again, [shared]), 0, again.stderr());
    assert.ok(existsSync(path.join(dir, 'runs')));
    await stop(shared);
  });
});
