/**
 * `mmx worker --queue URL`: takes trials from the Redis queue (BullMQ) and runs each in its own process
 * (`trial.ts`, forked like a local sweep's workers and pinned to its share of the cores), so a crash fails only
 * that trial. `--concurrency N` trials at a time.
 *
 * Faults:
 * - this worker killed mid-trial: BullMQ's lock on the job runs out, another worker's stalled-job check puts it
 *   back in the queue and the next attempt runs it (at most `MMX_QUEUE_ATTEMPTS`, default 3, starts in all); the
 *   next attempt ends the lost attempt's run FAILED if it is still RUNNING (its orphaned trial process, which
 *   notices its worker is gone, ends it KILLED itself when it can), and its own run is a new child run tagged
 *   `mmx.sweep.attempt`.
 * - a duplicate delivery: a run ends FINISHED only after its attempt has claimed the trial's finish key
 *   (`SET ... NX`, keyed by trial, holding the attempt) and checked that the queue still holds its attempt;
 *   a refused attempt ends its run KILLED with `mmx.sweep.duplicate=true`.
 * - Redis restarted (and its data lost): the connection waits and reconnects; a trial whose job vanished is
 *   stopped here (the coordinator queues it again).
 * - a local file store (a path, not an http(s) MLflow server) on a coordinator on another host is refused
 *   unless `--shared-store` says the path is the same shared storage on both hosts.
 * - Redis refuses the login (a wrong or missing password: WRONGPASS, NOAUTH, NOPERM): a `QueueAuthError` (exit 2)
 *   at start, and later (the password changed under a running worker) the running trials are stopped and the
 *   worker ends with that error, instead of retrying for ever.
 * - stopping: the running trials finish (a second signal cuts them short), then closing the connections gets
 *   `closeDeadlineMs`; a Redis that went away does not keep the worker waiting for a second signal.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Job, Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { resolveTracker } from '../../tracking/resolve.js';
import type { Tracker } from '../../tracking/tracker.js';
import { allowedCpus, cpuShares, launchWorker } from '../launch.js';
import type { FromQueueTrial, ToQueueTrial } from '../protocol.js';
import { authProblem, checkLogin, parseQueueUrl, QueueAuthError, redact } from './connection.js';
import {
  eventsKey,
  finishKey,
  isLocalStore,
  KEY_TTL_S,
  PREFIX,
  QUEUE_NAME,
  runsKey,
  stopKey,
  type TrialEvent,
  type TrialJobData,
  type TrialResult,
} from './jobs.js';

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  /** `runtime.backend` for every trial this worker runs */
  backend?: string;
  /** the local tracking store path is shared storage (same path on every host) */
  sharedStore?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** a second signal: stop running trials now (their jobs go back to the queue for another worker) */
  hardSignal?: AbortSignal;
  /** another trial entry (tests: MMX_QUEUE_TRIAL_SCRIPT) */
  trialScript?: string;
  env?: NodeJS.ProcessEnv;
  /** once the trials are done, how long closing the Redis connections may take (default 5 s) */
  closeDeadlineMs?: number;
}

export const queueTimings = (env: NodeJS.ProcessEnv = process.env) => ({
  lockDuration: Number(env.MMX_QUEUE_LOCK_MS ?? 30_000),
  stalledInterval: Number(env.MMX_QUEUE_STALLED_MS ?? 30_000),
  attempts: Math.max(1, Number(env.MMX_QUEUE_ATTEMPTS ?? 3)),
});

function trialEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), here.endsWith('.ts') ? 'trial.ts' : 'trial.js');
}

const trackers = new Map<string, Tracker>();
/** The store a job names; `baseDir`: the coordinator's base directory, which its (absolute) URI never needs in practice. */
function trackerFor(uri: string, baseDir: string): Tracker {
  let t = trackers.get(uri);
  if (!t) {
    t = resolveTracker({ uri, cwd: baseDir });
    trackers.set(uri, t);
  }
  return t;
}

/** Ends the runs of this trial's earlier attempts that are still RUNNING (their worker was lost). */
export async function closeLostAttempts(
  tracker: Tracker,
  runs: Record<string, string>,
  keepAttempt: number | undefined,
  why: string,
): Promise<number> {
  let closed = 0;
  for (const [attempt, runId] of Object.entries(runs)) {
    if (keepAttempt !== undefined && Number(attempt) === keepAttempt) continue;
    try {
      const info = await tracker.getRun(runId);
      if (info.status !== 'RUNNING') continue;
      await tracker.setTags(runId, { 'mmx.error': why.slice(0, 5000), 'mmx.error_type': 'WorkerLost', 'mmx.sweep.superseded': 'true' });
      await tracker.endRun(runId, 'FAILED');
      closed++;
    } catch {
      /* gone or unreachable: the coordinator tries again at the end */
    }
  }
  return closed;
}

export async function runQueueWorker(options: QueueWorkerOptions): Promise<void> {
  const target = parseQueueUrl(options.url);
  const env = options.env ?? process.env;
  const timings = queueTimings(env);
  const host = env.MMX_QUEUE_HOSTNAME ?? os.hostname();
  const me = `${host}:${process.pid}`;
  const log = (line: string) => options.log(redact(line));
  await checkLogin(target, options.signal ? { signal: options.signal } : {});
  // (not for the Worker's own connections: BullMQ's blocking fetch must not time out)
  const queue = new Queue(QUEUE_NAME, {
    connection: { ...(target.connection as object), commandTimeout: 5000 } as ConnectionOptions,
    prefix: PREFIX,
  });
  // a login Redis refuses ends the worker (exit 2): at start, and if it happens later
  let fatal: QueueAuthError | undefined;
  const failed = new AbortController();
  const hasPassword = 'password' in target.connection;
  const onRedisError = (who: string) => (err: Error) => {
    const problem = authProblem(err, hasPassword);
    if (!problem) return log(`${who}: ${err.message}`);
    if (fatal) return;
    fatal = new QueueAuthError(target.display, problem);
    failed.abort(fatal);
  };
  queue.on('error', onRedisError('queue'));
  const closeMs = options.closeDeadlineMs ?? 5_000;
  // a Redis not reachable yet is waited for, until a signal (or a refused login)
  const stopped = new Promise<'stopped'>((resolve) => {
    if (options.signal?.aborted) return resolve('stopped');
    options.signal?.addEventListener('abort', () => resolve('stopped'), { once: true });
    failed.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const client = await Promise.race([queue.client, stopped]);
  if (client === 'stopped') {
    log(`mmx worker ${me}: stopping before Redis at ${target.display} answered`);
    await Promise.race([queue.close().catch(() => undefined), delay(closeMs)]);
    if (fatal) throw fatal;
    return;
  }
  const redis = client as unknown as import('ioredis').Redis;
  const shares = cpuShares(allowedCpus(), options.concurrency);
  const freeSlots = Array.from({ length: options.concurrency }, (_, i) => i);
  const script = options.trialScript ?? env.MMX_QUEUE_TRIAL_SCRIPT ?? trialEntry();
  const children = new Set<{ kill: () => void }>();

  // trials running now (a stop waits for them)
  let active = 0;
  const idle: (() => void)[] = [];
  const processor = async (job: Job<TrialJobData, TrialResult>, token?: string): Promise<TrialResult> => {
    active++;
    try {
      return await runTrial(job, token);
    } finally {
      active--;
      if (active === 0) for (const resolve of idle.splice(0)) resolve();
    }
  };

  const runTrial = async (job: Job<TrialJobData, TrialResult>, token?: string): Promise<TrialResult> => {
    const d = job.data;
    const jobId = job.id!;
    // the trial's own keys (events, runs, stop, finish claim) are the trial's, whatever job carries it
    const key = d.key ?? jobId;
    const attempt = d.attempt + Math.max(1, job.attemptsStarted) - 1;
    const label = `trial ${d.trial} (sweep ${d.parentRunId.slice(0, 8)}) attempt ${attempt}`;
    const t0 = performance.now();
    const result = (r: Omit<TrialResult, 'attempt' | 'worker' | 'type' | 'seconds'> & { seconds?: number }): TrialResult => ({
      type: 'done',
      seconds: (performance.now() - t0) / 1000,
      ...r,
      attempt,
      worker: me,
    });
    let seq = 0;
    const post = (m: Exclude<FromQueueTrial, { type: 'ready' | 'done' | 'finishing' }>) => {
      const ev = { ...m, attempt, seq: seq++, worker: me } as TrialEvent;
      void redis
        .multi()
        .rpush(eventsKey(key), JSON.stringify(ev))
        .expire(eventsKey(key), KEY_TTL_S)
        .exec()
        .catch(() => undefined);
    };
    const stopped = await redis.get(stopKey(key));
    if (stopped) {
      log(`${label}: stopped before it started (${stopped})`);
      return result({ status: 'KILLED', error: stopped });
    }
    if (isLocalStore(d.trackingUri) && d.host !== host && !options.sharedStore) {
      const msg = `the sweep logs to a local tracking store (${d.trackingUri}) on host '${d.host}', but this worker runs on '${host}': use a shared MLflow server (tracking.uri / MLFLOW_TRACKING_URI = http(s)://...), or start the worker with --shared-store if that path is the same shared storage on both hosts`;
      log(`${label}: refused: ${msg}`);
      throw new UnrecoverableError(msg);
    }
    if (attempt > d.attempt || attempt > 1) {
      const runs = await redis.hgetall(runsKey(key));
      const n = await closeLostAttempts(
        trackerFor(d.trackingUri, d.cwd),
        runs,
        undefined,
        `the worker running attempt of trial ${d.trial} was lost (killed or unreachable); the trial was retried as attempt ${attempt}`,
      );
      if (n) log(`${label}: closed ${n} run(s) of lost earlier attempts (FAILED)`);
    }
    log(`${label}: started`);
    post({ type: 'phase', phase: 'picked up', detail: `attempt ${attempt} on ${me}` });

    const slot = freeSlots.shift() ?? 0;
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mmx-trial-'));
    const file = path.join(tmp, `trial-${d.trial}.yaml`);
    writeFileSync(file, d.configYaml);
    const cwd = d.host === host && existsSync(d.cwd) ? d.cwd : tmp;
    const { child } = launchWorker({ cpus: shares[slot] ?? [], cwd, env, stdio: 'pipe', script });
    let stderrTail = '';
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderrTail = (stderrTail + c).slice(-2000)));
    const sendChild = (m: ToQueueTrial) => {
      if (child.connected) child.send(m, () => undefined);
    };
    const entry = { kill: () => child.kill('SIGINT') };
    children.add(entry);
    let done: TrialResult | undefined;
    let runId: string | undefined;
    let stopSent = false;
    let lost = false;
    const stop = (reason: string) => {
      if (stopSent) return;
      stopSent = true;
      sendChild({ type: 'stop', reason });
    };
    // the coordinator's stop requests, and whether the queue still holds this attempt
    let polling = false;
    const poll = setInterval(() => {
      if (polling) return;
      polling = true;
      void (async () => {
        try {
          const reason = await redis.get(stopKey(key));
          if (reason) stop(reason);
          const cur = await Job.fromId<TrialJobData>(queue, jobId);
          if (!cur || cur.data.attempt !== d.attempt) {
            lost = true;
            stop('the queue lost this trial (Redis restarted?); the sweep queues it again');
          }
        } catch {
          /* Redis unreachable: try again */
        } finally {
          polling = false;
        }
      })();
    }, 500);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    child.on('message', (raw: unknown) => {
      const m = raw as FromQueueTrial;
      switch (m.type) {
        case 'ready':
          sendChild({
            type: 'start',
            trial: d.trial,
            file,
            cwd,
            overrides: options.backend ? [`runtime.backend=${options.backend}`] : [],
            tags: { ...d.tags, 'mmx.sweep.attempt': String(attempt), 'mmx.sweep.worker': me },
            runName: d.runName,
            metric: d.metric,
            ...(d.secrets?.length ? { secrets: d.secrets } : {}),
          });
          break;
        case 'run':
          runId = m.runId;
          log(`${label}: run ${m.runId}`);
          void redis
            .multi()
            .hset(runsKey(key), String(attempt), m.runId)
            .expire(runsKey(key), KEY_TTL_S)
            .exec()
            .catch(() => undefined);
          post(m);
          break;
        case 'phase':
        case 'epoch':
          post(m);
          break;
        case 'finishing':
          void (async () => {
            let ok = false;
            let reason: string | undefined;
            try {
              const cur = await Job.fromId<TrialJobData>(queue, jobId);
              // this attempt still holds the job's lock (BullMQ's): not given up on as stalled, not lost with Redis's data
              const lock = await redis.get(`${PREFIX}:${QUEUE_NAME}:${jobId}:lock`);
              if (lost || !cur || cur.data.attempt !== d.attempt)
                reason = 'the queue no longer holds this attempt of the trial (Redis restarted?)';
              else if (token !== undefined && lock !== token)
                reason = 'this attempt lost its hold on the job (stalled: another worker took it over)';
              else {
                const claimed = await redis.set(finishKey(key), String(attempt), 'EX', KEY_TTL_S, 'NX');
                const holder = claimed === 'OK' ? String(attempt) : await redis.get(finishKey(key));
                ok = holder === String(attempt);
                if (!ok) reason = `attempt ${holder} already finished this trial (duplicate delivery)`;
              }
            } catch (err) {
              reason = `could not claim the trial's finish: ${(err as Error).message}`;
            }
            if (!ok) log(`${label}: not finishing its run: ${reason}`);
            sendChild({ type: 'finish', ok, ...(reason ? { reason } : {}) });
          })();
          break;
        case 'done':
          done = { ...m, attempt, worker: me };
          break;
      }
    });
    const onHard = () => stop('the worker was stopped (Ctrl-C)');
    options.hardSignal?.addEventListener('abort', onHard);
    const { code, signal } = await exited;
    clearInterval(poll);
    options.hardSignal?.removeEventListener('abort', onHard);
    children.delete(entry);
    freeSlots.push(slot);
    rmSync(tmp, { recursive: true, force: true });
    if (options.hardSignal?.aborted) {
      // leave the job to the stalled-job check: another worker retries it
      log(`${label}: stopped (worker shutting down)`);
      await new Promise(() => undefined);
    }
    if (done) {
      log(
        `${label}: ${done.status}${done.duplicate ? ' (duplicate, run KILLED)' : ''}${done.value !== undefined ? ` ${d.metric}=${done.value}` : ''}`,
      );
      return done;
    }
    // the trial's process died without a word: a crash or the OOM killer; the trial fails (no retry)
    const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}` : `exited with code ${code}`;
    const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
    const error = `the trial's process on ${me} ${how}${tail ? `: ${tail}` : ''}`;
    if (runId) {
      const t = trackerFor(d.trackingUri, d.cwd);
      await t.setTags(runId, { 'mmx.error': error.slice(0, 5000), 'mmx.error_type': 'WorkerExit' }).catch(() => undefined);
      await t.endRun(runId, 'FAILED').catch(() => undefined);
    }
    log(`${label}: FAILED: ${error}`);
    return result({ status: 'FAILED', ...(runId ? { runId } : {}), error });
  };

  const worker = new Worker<TrialJobData, TrialResult>(QUEUE_NAME, processor, {
    connection: target.connection as ConnectionOptions,
    prefix: PREFIX,
    concurrency: options.concurrency,
    lockDuration: timings.lockDuration,
    stalledInterval: timings.stalledInterval,
    maxStalledCount: timings.attempts - 1,
    autorun: false,
  });
  worker.on('error', onRedisError('worker'));
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled (its worker was lost): queued again for another attempt`));
  worker.on('failed', (job, err) => {
    if (job) log(`trial ${job.data.trial} (sweep ${job.data.parentRunId.slice(0, 8)}) failed in the queue: ${err.message}`);
  });
  log(
    `mmx worker ${me}: taking trials from ${target.display} (concurrency ${options.concurrency}${options.backend ? `, backend ${options.backend}` : ''})`,
  );
  const running = worker.run();
  running.catch(() => undefined);
  await new Promise<void>((resolve) => {
    if (options.signal?.aborted || failed.signal.aborted) return resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
    failed.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const killAll = (): void => {
    for (const c of children) c.kill();
  };
  if (fatal) {
    log(`mmx worker ${me}: stopping: ${fatal.message}`);
    killAll();
  } else log(`mmx worker ${me}: stopping: finishing the trials it runs, taking no new ones`);
  options.hardSignal?.addEventListener('abort', killAll);
  // no new trials from here on; the running ones finish (only a second signal cuts them short)
  const closing = worker
    .close(fatal !== undefined || (options.hardSignal?.aborted ?? false))
    .then(() => queue.close())
    .then(
      () => true,
      () => true,
    );
  if (!fatal)
    await new Promise<void>((resolve) => {
      if (active === 0 || options.hardSignal?.aborted) return resolve();
      idle.push(resolve);
      options.hardSignal?.addEventListener('abort', () => resolve(), { once: true });
      failed.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  // then closing the connections gets a deadline: a Redis that went away does not hold the worker
  const closed = await Promise.race([closing, delay(closeMs, false)]);
  if (!closed) {
    log(`mmx worker ${me}: Redis at ${target.display} did not answer within ${closeMs / 1000} s while closing; exiting without it`);
    void worker.disconnect().catch(() => undefined);
    void queue.disconnect().catch(() => undefined);
  }
  if (fatal) throw fatal;
}
