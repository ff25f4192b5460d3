/**
 * A Redis queue that refuses the login, and one that goes away: `mmx worker` and `mmx sweep --queue` used to retry
 * a wrong or missing password for ever (WRONGPASS / NOAUTH are not transient), and a worker whose Redis went away
 * needed a second SIGTERM. Here (a real redis-server with a password):
 * - a wrong password, no password: exit 2 at once, one line, the password masked, no run started;
 * - the password changed under a running worker: the worker stops with the same one-line error (exit 2);
 * - Redis gone (frozen), or not there yet, and one SIGTERM: the idle worker exits within the close deadline.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { authProblem } from '../../src/sweep/queue/connection.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort, redisMissing, startCli, stop, TestRedis, type CliProc } from './fixtures/queue-redis.js';

const PASSWORD = 'right-Pw-8812';
const WRONG = 'wr0ng-Pw-4471';
const missing = redisMissing();
if (missing) console.log(`# ${missing}`);

/** The exit code, or a failure with stderr if it takes longer than `ms`. */
async function exitWithin(p: CliProc, ms: number): Promise<number | null> {
  const code = await Promise.race([p.exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), ms).unref())]);
  if (code === 'hang') {
    await stop(p);
    assert.fail(`still running after ${ms / 1000} s:\n${p.stderr()}`);
  }
  return code;
}

/** One line on stderr, no stack trace, no password. */
function oneLine(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(stderr, /\n\s+at /);
  assert.ok(!stderr.includes(PASSWORD) && !stderr.includes(WRONG), stderr);
}

describe('queue login refused (unit)', () => {
  it('WRONGPASS, NOAUTH and NOPERM are login problems, said in words; other errors are not', () => {
    assert.match(authProblem(new Error('WRONGPASS invalid username-password pair or user is disabled.'), true)!, /WRONGPASS/);
    assert.match(authProblem(new Error('NOAUTH Authentication required.'), false)!, /requires a password/);
    assert.match(authProblem(new Error('NOAUTH Authentication required.'), true)!, /did not accept the login/);
    assert.match(authProblem(new Error("NOPERM User mmx has no permissions to run the 'evalsha' command"), true)!, /NOPERM/);
    assert.equal(authProblem(new Error('connect ECONNREFUSED 127.0.0.1:6379'), true), undefined);
    assert.equal(authProblem(new Error('LOADING Redis is loading the dataset in memory'), true), undefined);
  });
});

describe('a Redis queue that refuses the login or goes away (real redis-server)', { skip: missing }, () => {
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
  const url = (password: string | undefined) => `redis://${password ? `:${password}@` : ''}127.0.0.1:${redis.port}/0`;

  it('mmx worker with a wrong password, or none: exit 2 at once, one line, the password masked', { timeout: 60_000 }, async () => {
    const dir = tempDir('mmx-queue-auth-');
    const wrong = startCli(['worker', '--queue', url(WRONG)], { cwd: dir });
    procs.push(wrong);
    assert.equal(await exitWithin(wrong, 30_000), 2);
    oneLine(wrong.stderr(), /^error: --queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: Redis refused the user name or password .*WRONGPASS/);

    const none = startCli(['worker', '--queue', url(undefined)], { cwd: dir });
    procs.push(none);
    assert.equal(await exitWithin(none, 30_000), 2);
    oneLine(none.stderr(), /^error: --queue redis:\/\/127\.0\.0\.1:\d+\/0: Redis requires a password \(NOAUTH\)/);
  });

  it('mmx sweep --queue with a wrong password: exit 2 before any run', { timeout: 60_000 }, async () => {
    const dir = tempDir('mmx-queue-auth-');
    writeFileSync(path.join(dir, 'm.csv'), 'a,label,split\n1,x,train\n2,y,train\n3,x,validation\n4,y,test\n');
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: auth
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  a: {type: numeric, column: a}
training: {epochs: 1}
tracking: {uri: runs, experiment: auth}
sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parameters:
    training.optimizer.learning_rate: {values: [0.1, 0.01]}
`,
    );
    const sweep = startCli(['sweep', 'exp.yaml', '--queue', url(WRONG), '--plain'], { cwd: dir });
    procs.push(sweep);
    assert.equal(await exitWithin(sweep, 30_000), 2);
    oneLine(sweep.stderr(), /^error: --queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: Redis refused .*WRONGPASS/);
    const runs = path.join(dir, 'runs');
    const experiments = existsSync(runs) ? readdirSync(runs).filter((e) => /^\d+$/.test(e) && e !== '0') : [];
    for (const e of experiments)
      assert.deepEqual(
        readdirSync(path.join(runs, e)).filter((r) => /^[0-9a-f]{32}$/.test(r)),
        [],
      );
  });

  it('the password changed under a running worker: it stops with the login error, exit 2', { timeout: 60_000 }, async () => {
    const dir = tempDir('mmx-queue-auth-');
    const worker = startCli(['worker', '--queue', url(PASSWORD)], { cwd: dir });
    procs.push(worker);
    await worker.waitFor(/taking trials from/, 30_000);
    const cli = (...args: string[]) =>
      spawnSync('redis-cli', ['-p', String(redis.port), '-a', PASSWORD, '--no-auth-warning', ...args], { encoding: 'utf8' });
    try {
      assert.equal(cli('CONFIG', 'SET', 'requirepass', 'another-Pw-5').status, 0);
      // its connections reconnect, and log in with the old password
      spawnSync('redis-cli', ['-p', String(redis.port), '-a', 'another-Pw-5', '--no-auth-warning', 'CLIENT', 'KILL', 'TYPE', 'normal']);
      assert.equal(await exitWithin(worker, 30_000), 2);
      assert.match(worker.stderr(), /stopping: --queue redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: Redis refused .*WRONGPASS/);
      assert.match(worker.stderr().trim().split('\n').at(-1)!, /^error: --queue .*WRONGPASS/);
      assert.doesNotMatch(worker.stderr(), /\n\s+at /);
      assert.ok(!worker.stderr().includes(PASSWORD));
    } finally {
      spawnSync('redis-cli', [
        '-p',
        String(redis.port),
        '-a',
        'another-Pw-5',
        '--no-auth-warning',
        'CONFIG',
        'SET',
        'requirepass',
        PASSWORD,
      ]);
    }
  });

  it('Redis gone, one SIGTERM: an idle worker exits within the close deadline', { timeout: 60_000 }, async () => {
    const dir = tempDir('mmx-queue-auth-');
    const worker = startCli(['worker', '--queue', url(PASSWORD)], { cwd: dir, env: { MMX_SHUTDOWN_DEADLINE_S: '2' } });
    procs.push(worker);
    await worker.waitFor(/taking trials from/, 30_000);
    // a Redis that stops answering (frozen; a network partition looks the same): closing its connections waits for ever
    redis.proc!.kill('SIGSTOP');
    try {
      worker.child.kill('SIGTERM');
      assert.equal(await exitWithin(worker, 30_000), 0);
      assert.match(worker.stderr(), /did not answer within 2 s while closing; exiting without it/);
    } finally {
      redis.proc!.kill('SIGCONT');
    }
  });

  it('no Redis at start, one SIGTERM: the worker waiting for it exits', { timeout: 60_000 }, async () => {
    const dir = tempDir('mmx-queue-auth-');
    const worker = startCli(['worker', '--queue', `redis://:${PASSWORD}@127.0.0.1:${await freePort()}/0`], { cwd: dir });
    procs.push(worker);
    await worker.waitFor(/queue: connect ECONNREFUSED/, 30_000);
    worker.child.kill('SIGTERM');
    assert.equal(await exitWithin(worker, 30_000), 0);
    assert.match(worker.stderr(), /stopping before Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 answered/);
  });
});
