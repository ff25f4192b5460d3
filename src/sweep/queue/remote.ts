/**
 * The coordinator's side of a queue-backed sweep (`mmx sweep --queue URL`): each trial the coordinator starts
 * becomes a BullMQ job instead of a local process, and a `RemoteTrial` stands in for that process — it speaks the
 * same protocol to the coordinator (ready / run / phase / epoch / done, then exit), so the coordinator's
 * scheduling, early termination, records, UI and resume work unchanged, and bayes proposes each new trial
 * as results come back.
 *
 * It follows its job by polling Redis (every 300 ms): the trial's event list for progress, the job's state for
 * the result. Polling instead of a pub/sub stream means nothing is missed across a coordinator restart
 * (`--resume` re-attaches to jobs still queued, running or finished meanwhile) or a Redis restart: a job that
 * vanished with Redis's data is queued again as the next attempt. A stop (early termination, Ctrl-C) is a key
 * the worker polls.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import { stringify as toYaml } from 'yaml';
import { loadConfig, resolveConfigPath } from '../../experiment/load.js';
import type { Tracker } from '../../tracking/tracker.js';
import type { TrialLauncher, TrialProcess } from '../launch.js';
import type { SweepPlan } from '../plan.js';
import type { FromWorker, ToWorker } from '../protocol.js';
import { checkLogin, parseQueueUrl, redact } from './connection.js';
import { rememberedSecrets } from '../../config/secrets.js';
import {
  currentJobKey,
  eventsKey,
  finishKey,
  jobIdFor,
  jobIdForAttempt,
  KEY_TTL_S,
  PREFIX,
  QUEUE_NAME,
  runsKey,
  stopKey,
  type TrialEvent,
  type TrialJobData,
  type TrialResult,
} from './jobs.js';
import { closeLostAttempts } from './worker.js';

type Redis = import('ioredis').Redis;
type Start = Extract<ToWorker, { type: 'start' }>;
type Done = Extract<FromWorker, { type: 'done' }>;

export interface QueueLauncherOptions {
  url: string;
  plan: SweepPlan;
  tracker: Tracker;
  log: (level: 'info' | 'warn', message: string) => void;
  /** how often jobs are looked at (ms) */
  pollMs?: number;
}

export class QueueLauncher {
  readonly display: string;
  /** attempts beyond the first that were seen (retries after a lost worker or a lost job) */
  retries = 0;
  queue!: Queue<TrialJobData, TrialResult>;
  redis!: Redis;
  private readonly trials = new Set<RemoteTrial>();
  private timer: NodeJS.Timeout | undefined;
  private lastError = 0;
  private readonly target;

  constructor(readonly options: QueueLauncherOptions) {
    this.target = parseQueueUrl(options.url);
    this.display = this.target.display;
  }

  async open(): Promise<this> {
    await checkLogin(this.target);
    // a command lost in a reconnect fails after 5 s instead of stalling the trial's polling for ever
    this.queue = new Queue<TrialJobData, TrialResult>(QUEUE_NAME, {
      connection: { ...(this.target.connection as object), commandTimeout: 5000 } as ConnectionOptions,
      prefix: PREFIX,
    });
    this.queue.on('error', (err) => this.warn(`queue ${this.display}: ${err.message}`));
    this.redis = (await this.queue.client) as unknown as Redis;
    await this.redis.ping();
    this.timer = setInterval(() => {
      for (const t of this.trials) void t.poll();
    }, this.options.pollMs ?? 300);
    return this;
  }

  warn(message: string): void {
    if (Date.now() - this.lastError < 10_000) return;
    this.lastError = Date.now();
    this.options.log('warn', redact(message));
  }

  readonly launch: TrialLauncher = (o) => {
    const t = new RemoteTrial(this, o.trial);
    this.trials.add(t);
    t.on('exit', () => this.trials.delete(t));
    return t;
  };

  /** `--resume`: is trial n of sweep `parentRunId` still queued or running, or did it finish meanwhile? */
  isLive(parentRunId: string): (trial: number) => Promise<boolean> {
    return async (trial) => {
      const key = jobIdFor(parentRunId, trial);
      const job = await this.queue.getJob((await this.redis.get(currentJobKey(key))) ?? key);
      if (!job) return false;
      if (await this.redis.get(stopKey(key))) return false;
      const state = await job.getState();
      if (state === 'completed') return (job.returnvalue as TrialResult | undefined)?.status === 'FINISHED';
      return state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children';
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.queue?.close().catch(() => undefined);
  }
}

/** A trial running on some `mmx worker`, seen by the coordinator as its process. */
class RemoteTrial extends EventEmitter implements TrialProcess {
  connected = true;
  readonly stdout = null;
  readonly stderr = null;
  /** the trial's key, and the id of the job that carries it now */
  private key: string | undefined;
  private jobId: string | undefined;
  private data: TrialJobData | undefined;
  private offset = 0;
  private readonly seen = new Set<string>();
  private readonly runs = new Map<number, string>();
  /** the attempt the coordinator follows (the highest seen) */
  private attempt = 0;
  private maxAttempt = 0;
  private polling = false;
  private finished = false;
  private starting: Promise<void> | undefined;
  private lastEpochMetrics: Record<string, number> = {};
  /** the attempt queued after Redis lost the trial's job (its predecessor may still end the job KILLED) */
  private lostAt: number | undefined;
  /** the attempt number of the last job this coordinator queued */
  private queuedAttempt = 0;

  constructor(
    private readonly q: QueueLauncher,
    readonly trial: number,
  ) {
    super();
    setImmediate(() => this.emit('message', { type: 'ready' } satisfies FromWorker));
  }

  send(m: ToWorker, callback?: (error: Error | null) => void): boolean {
    if (m.type === 'start')
      this.starting = this.begin(m).catch((err: unknown) =>
        this.complete({
          type: 'done',
          status: 'FAILED',
          error: `could not queue the trial: ${redact((err as Error).message)}`,
          seconds: 0,
        }),
      );
    else if (m.type === 'stop' && this.key) void this.q.redis.set(stopKey(this.key), m.reason, 'EX', KEY_TTL_S).catch(() => undefined);
    callback?.(null);
    return true;
  }

  kill(): boolean {
    if (this.finished) return false;
    if (this.key) void this.q.redis.set(stopKey(this.key), 'stopped by the sweep', 'EX', KEY_TTL_S).catch(() => undefined);
    this.finished = true;
    this.connected = false;
    this.emit('exit', null, 'SIGKILL');
    return true;
  }

  private jobData(m: Start): TrialJobData {
    const { plan, tracker } = this.q.options;
    const loaded = loadConfig(m.file, { overrides: m.overrides, baseDir: m.cwd, env: plan.env });
    const merged = structuredClone(loaded.merged);
    delete merged.sweep;
    delete merged.extends;
    const data = merged.data as Record<string, unknown> | undefined;
    if (data && typeof data.path === 'string') data.path = resolveConfigPath(loaded, ['data', 'path'], data.path);
    merged.tracking = { ...((merged.tracking as Record<string, unknown> | undefined) ?? {}), uri: tracker.uri };
    return {
      v: 1,
      key: jobIdFor(m.tags['mlflow.parentRunId']!, m.trial),
      parentRunId: m.tags['mlflow.parentRunId']!,
      trial: m.trial,
      attempt: 1,
      configYaml: `# mmx sweep ${m.tags['mlflow.parentRunId']} trial ${m.trial}\n` + toYaml(merged),
      trackingUri: tracker.uri,
      experiment: loaded.config.tracking.experiment,
      seed: loaded.config.seed,
      metric: m.metric,
      runName: m.runName,
      tags: { ...m.tags, 'mmx.sweep.queue': this.q.display },
      host: os.hostname(),
      cwd: m.cwd,
      secrets: rememberedSecrets(),
    };
  }

  private async add(attempt: number): Promise<void> {
    // never the attempt number (so the job id) of a job queued before: a worker may still hold that one
    attempt = Math.max(attempt, this.queuedAttempt + 1);
    this.queuedAttempt = attempt;
    this.maxAttempt = Math.max(this.maxAttempt, attempt);
    const d = { ...this.data!, attempt };
    const key = this.key!;
    this.jobId = jobIdForAttempt(key, attempt);
    await this.q.redis.del(stopKey(key));
    await this.q.redis.set(currentJobKey(key), this.jobId, 'EX', KEY_TTL_S);
    await this.q.queue.add('trial', d, {
      jobId: this.jobId,
      attempts: 1,
      removeOnComplete: { age: KEY_TTL_S },
      removeOnFail: { age: KEY_TTL_S },
    });
  }

  private async begin(m: Start): Promise<void> {
    this.data = this.jobData(m);
    this.key = this.data.key;
    this.jobId = (await this.q.redis.get(currentJobKey(this.key))) ?? this.key;
    const existing = await this.q.queue.getJob(this.jobId);
    if (existing) {
      const state = await existing.getState();
      const result = existing.returnvalue as TrialResult | undefined;
      const previous = existing.data.attempt + Math.max(1, existing.attemptsStarted) - 1;
      this.maxAttempt = Math.max(this.maxAttempt, previous);
      this.queuedAttempt = Math.max(this.queuedAttempt, existing.data.attempt);
      if (state === 'failed' || (state === 'completed' && result?.status !== 'FINISHED')) {
        // an earlier session's attempt that did not finish: run it again as the next attempt
        await existing.remove().catch(() => undefined);
        await this.q.redis.del(finishKey(this.key));
        await this.add(previous + 1);
      } else {
        this.q.options.log('info', `trial ${m.trial}: re-attached to its job in the queue (${state})`);
        await this.q.redis.del(stopKey(this.key));
      }
      return;
    }
    await this.add(this.maxAttempt + 1);
  }

  private onEvent(ev: TrialEvent): void {
    const key = `${ev.attempt}:${ev.seq}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.maxAttempt = Math.max(this.maxAttempt, ev.attempt);
    if (ev.type === 'run') this.runs.set(ev.attempt, ev.runId);
    if (ev.attempt < this.attempt) return;
    if (ev.attempt > this.attempt) {
      if (this.attempt > 0) {
        this.q.retries++;
        this.q.options.log(
          'warn',
          `trial ${this.trial}: attempt ${ev.attempt} started on ${ev.worker} (attempt ${this.attempt}'s worker was lost)`,
        );
      }
      this.attempt = ev.attempt;
      this.lastEpochMetrics = {};
    }
    const { attempt: _a, seq: _s, worker: _w, ...m } = ev;
    if (m.type === 'epoch') this.lastEpochMetrics = m.metrics;
    this.emit('message', m satisfies FromWorker);
  }

  async poll(): Promise<void> {
    if (this.polling || this.finished || !this.starting) return;
    this.polling = true;
    // a look that hangs (a reply lost in a reconnect) is given up after 10 s; the next one starts afresh
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)));
    try {
      await Promise.race([this.look(), watchdog]);
    } finally {
      clearTimeout(timer);
      this.polling = false;
    }
  }

  private async look(): Promise<void> {
    try {
      await this.starting;
      if (this.finished || !this.jobId || !this.key) return;
      const job = (await this.q.queue.getJob(this.jobId)) as Job<TrialJobData, TrialResult> | undefined;
      const state = job ? await job.getState() : undefined;
      const len = await this.q.redis.llen(eventsKey(this.key));
      if (len < this.offset) this.offset = 0; // the list was lost with Redis's data
      const raw = await this.q.redis.lrange(eventsKey(this.key), this.offset, -1);
      this.offset += raw.length;
      for (const r of raw) this.onEvent(JSON.parse(r) as TrialEvent);
      if (!job || state === 'unknown') {
        // Redis lost the job (restarted without persistence): did the trial finish just before?
        const winner = this.runs.get(this.attempt);
        if (winner && (await this.q.options.tracker.getRun(winner).catch(() => undefined))?.status === 'FINISHED') {
          await this.complete(await this.adopt(winner, this.attempt));
          return;
        }
        const next = this.maxAttempt + 1;
        this.q.retries++;
        this.q.options.log(
          'warn',
          `trial ${this.trial}: its job is gone from the queue (Redis restarted?); queued again as attempt ${next}`,
        );
        this.lostAt = next;
        await this.add(next);
        return;
      }
      // the job was read while still active and its state after it completed: its result comes with the next poll
      if (state === 'completed' && !job.returnvalue) return;
      const stale =
        state === 'completed' && job.returnvalue && job.returnvalue.status !== 'FINISHED' && job.returnvalue.attempt < job.data.attempt;
      if (
        stale ||
        (state === 'completed' &&
          job.returnvalue?.status === 'KILLED' &&
          !job.returnvalue.duplicate &&
          this.lostAt !== undefined &&
          job.returnvalue.attempt < this.lostAt)
      ) {
        // an attempt the queue had already given up on (Redis lost the job) ended its job: run the trial again
        const next = this.maxAttempt + 1;
        this.q.options.log(
          'warn',
          `trial ${this.trial}: a lost attempt ended its job (${job.returnvalue.status}); queued again as attempt ${next}`,
        );
        this.lostAt = undefined;
        await job.remove().catch(() => undefined);
        await this.add(next);
        return;
      }
      if (state === 'completed') await this.complete(job.returnvalue);
      else if (state === 'failed')
        await this.complete({ type: 'done', status: 'FAILED', error: redact(job.failedReason ?? 'failed in the queue'), seconds: 0 });
    } catch (err) {
      this.q.warn(`trial ${this.trial}: ${(err as Error).message}`);
    }
  }

  /** A FINISHED run found in the store as the trial's result (its value read back from the run). */
  private async adopt(runId: string, attempt: number): Promise<Done & { attempt: number }> {
    const metric = this.q.options.plan.metric.name;
    let value: number | undefined = this.lastEpochMetrics[metric];
    let test: Record<string, number> | undefined;
    try {
      const data = await this.q.options.tracker.getRunData?.(runId);
      if (data) {
        const metrics = data.metrics as unknown as Record<string, number | { value: number }>;
        const num = (k: string) => {
          const v = metrics[k];
          return v === undefined ? undefined : typeof v === 'number' ? v : v.value;
        };
        value = num(metric) ?? value;
        test = Object.fromEntries(
          Object.keys(metrics)
            .filter((k) => k.startsWith('test_'))
            .map((k) => [k, num(k)!]),
        );
      }
    } catch {
      /* the last epoch's value */
    }
    return {
      type: 'done',
      status: 'FINISHED',
      runId,
      ...(value !== undefined ? { value } : {}),
      ...(test ? { test } : {}),
      seconds: 0,
      attempt,
    };
  }

  private async complete(result: Done & { attempt?: number }): Promise<void> {
    if (this.finished) return;
    let done: Done = result;
    const { tracker } = this.q.options;
    if (this.key) {
      try {
        const runs: Record<string, string> = { ...(await this.q.redis.hgetall(runsKey(this.key))) };
        for (const [a, id] of this.runs) runs[String(a)] = id;
        if (result.duplicate) {
          // this attempt lost the finish claim: the trial's result is the attempt that won it
          const holder = Number(await this.q.redis.get(finishKey(this.key)));
          const winner = runs[String(holder)];
          if (winner && (await tracker.getRun(winner)).status === 'FINISHED') done = await this.adopt(winner, holder);
        }
        const why =
          result.status === 'FAILED' && !result.runId
            ? `the trial failed in the queue: ${result.error ?? ''}`
            : `a later attempt of trial ${this.trial} replaced this one (its worker was lost)`;
        const others = Object.fromEntries(Object.entries(runs).filter(([, id]) => id !== done.runId));
        const closed = await closeLostAttempts(tracker, others, undefined, why);
        if (!done.runId) {
          const last = Math.max(0, ...Object.keys(runs).map(Number));
          if (runs[String(last)]) done = { ...done, runId: runs[String(last)]! };
        }
        if (closed) this.q.options.log('info', `trial ${this.trial}: ended ${closed} run(s) of lost attempts FAILED`);
      } catch (err) {
        this.q.warn(`trial ${this.trial}: could not tidy its attempts' runs: ${(err as Error).message}`);
      }
    }
    if (this.finished) return;
    this.finished = true;
    const { attempt: _a, worker: _w, ...msg } = done as TrialResult;
    if (msg.error) msg.error = redact(msg.error);
    this.emit('message', msg satisfies FromWorker);
    this.connected = false;
    this.emit('exit', 0, null);
  }
}

export async function openQueueLauncher(options: QueueLauncherOptions): Promise<QueueLauncher> {
  return new QueueLauncher(options).open();
}
