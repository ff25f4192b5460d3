/**
 * Running the trials: `parallel` at a time, each in a worker process pinned to its share of the cores (or on a
 * queue's workers through a launcher), new trials proposed as slots free up, early termination from the per-epoch
 * metrics the workers report, and the way a sweep stops — every running trial told to stop after its current batch
 * (KILLED), killed when it does not within the grace period, or all of them killed at once (a second Ctrl-C).
 */
import type { Pruner } from '../search/pruners.js';
import { toOverrides, type Assignment } from '../search/space.js';
import type { RunRecorder } from '../runner/recorder/run-recorder.js';
import type { MetricPoint } from '../tracking/tracker.js';
import type { SweepEvent } from './events.js';
import { launchWorker, type TrialLauncher, type TrialProcess } from './launch.js';
import type { SweepPlan } from './plan.js';
import type { ToWorker, FromWorker } from './protocol.js';
import { bestTrial, type TrialRecord } from './records.js';
import { proposeTrial } from './sampler.js';
import { recordTrialRun, settleTrial, type TrialDone, type TrialRunContext } from './trial-outcome.js';

export interface SchedulerOptions {
  emit: (e: SweepEvent) => void;
  signal?: AbortSignal;
  /** another worker entry (tests) */
  worker?: { script: string; execArgv?: string[] };
  /** after a stop, how long running trials get to end their runs before they are killed (default 60 s) */
  stopGraceMs?: number;
  /** run trials somewhere else than in local worker processes */
  launch?: TrialLauncher;
}

export interface SchedulerContext {
  plan: SweepPlan;
  parent: RunRecorder;
  /** every trial of the sweep; new ones are added as they are proposed */
  records: TrialRecord[];
  pruner: Pruner | undefined;
  /** the CPUs of each slot */
  shares: number[][];
  /** the best finished trial so far */
  best: TrialRecord | undefined;
  persist: () => Promise<void>;
  log: (level: 'info' | 'warn', message: string) => void;
}

/** How the trials' loop ended: `stopping`, the reason it was asked to stop; `failure`, what broke it. */
export interface ScheduleEnd {
  stopping?: string;
  failure?: unknown;
}

interface Running {
  record: TrialRecord;
  child: TrialProcess;
  slot: number;
  stopSent?: string;
  done?: TrialDone;
  stderrTail: string;
  exited: Promise<void>;
}

/** The direction early termination compares in: smaller is better. */
export const orient = (goal: 'minimize' | 'maximize', v: number): number => (goal === 'minimize' ? v : -v);

export class TrialScheduler {
  private readonly running = new Map<number, Running>();
  private readonly freeSlots: number[];
  private readonly pending: TrialRecord[];
  private nextNumber: number;
  private stopping: string | undefined;
  private wake: (() => void) | undefined;
  /** something changed since the loop last looked (a trial ended, a stop was asked for) */
  private dirty = false;
  private readonly trialRun: TrialRunContext;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly options: SchedulerOptions,
  ) {
    const { plan, records, parent } = ctx;
    this.freeSlots = Array.from({ length: plan.parallel }, (_, i) => i);
    this.pending = records.filter((r) => r.status === 'PENDING').sort((a, b) => a.number - b.number);
    this.nextNumber = records.reduce((m, r) => Math.max(m, r.number), 0) + 1;
    this.trialRun = {
      tracker: parent.tracker,
      experimentId: parent.experimentId,
      runName: (n) => `${plan.base.config.name}-trial-${n}`,
      trialTags: (r) => ({
        'mlflow.parentRunId': parent.runId,
        'sweep.trial': String(r.number),
        'mmx.sweep.parent': parent.runId,
        'mmx.sweep.params': JSON.stringify(r.params).slice(0, 5000),
      }),
    };
  }

  /** Asks every running trial to stop after its current batch; no new trial starts. */
  stopAll(reason: string): void {
    if (this.stopping) return;
    this.stopping = reason;
    for (const run of this.running.values()) {
      run.stopSent ??= reason;
      this.send(run, { type: 'stop', reason });
    }
    this.notify();
  }

  /** Kills every worker now and ends every open run KILLED, synchronously. */
  killNow(): void {
    for (const run of this.running.values()) {
      try {
        run.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
      if (run.record.runId) {
        try {
          this.ctx.parent.tracker.endRunSync?.(run.record.runId, 'KILLED');
        } catch {
          /* best effort */
        }
      }
    }
    try {
      this.ctx.parent.endNow('KILLED');
    } catch {
      /* best effort */
    }
  }

  /** Runs trials until the budget is spent or the sweep is stopped. */
  async run(): Promise<ScheduleEnd> {
    const signal = this.options.signal;
    const onAbort = () => this.stopAll(typeof signal?.reason === 'string' ? signal.reason : 'interrupted (SIGINT)');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    let failure: unknown;
    try {
      await this.loop();
    } catch (err) {
      failure = err;
      this.stopAll('the sweep failed');
      for (const run of this.running.values()) run.child.kill('SIGKILL');
      await Promise.all([...this.running.values()].map((r) => r.exited));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return { ...(this.stopping !== undefined ? { stopping: this.stopping } : {}), ...(failure !== undefined ? { failure } : {}) };
  }

  private async loop(): Promise<void> {
    const stopGraceMs = this.options.stopGraceMs ?? 60_000;
    for (;;) {
      this.dirty = false;
      while (!this.stopping && this.freeSlots.length > 0) {
        const r = this.nextTrial();
        if (!r) break;
        this.start(r, this.freeSlots.shift()!);
        await this.ctx.persist();
      }
      if (this.running.size === 0) return;
      if (this.stopping) {
        // running trials end their runs KILLED; the ones that do not in time are killed
        const timer = setTimeout(() => {
          for (const run of this.running.values()) run.child.kill('SIGKILL');
        }, stopGraceMs);
        await Promise.all([...this.running.values()].map((r) => r.exited));
        clearTimeout(timer);
        return;
      }
      if (!this.dirty) await new Promise<void>((res) => (this.wake = res));
      this.wake = undefined;
    }
  }

  private notify(): void {
    this.dirty = true;
    this.wake?.();
  }

  private send(run: Running, m: ToWorker): void {
    if (run.child.connected) run.child.send(m, (err) => err && undefined);
  }

  /** A trial to run again (resume), else a new one while the budget lasts. */
  private nextTrial(): TrialRecord | undefined {
    const again = this.pending.shift();
    if (again) return again;
    const { plan, records } = this.ctx;
    if (records.length >= plan.trials) return undefined;
    const n = this.nextNumber++;
    const r: TrialRecord = { number: n, params: this.propose(n), status: 'PENDING', history: [], epochs: 0 };
    records.push(r);
    return r;
  }

  private propose(n: number): Assignment {
    const { plan, records } = this.ctx;
    return proposeTrial(
      { method: plan.method, defs: plan.defs, seed: plan.seed, nStartupTrials: plan.sweep.n_startup_trials, goal: plan.metric.goal },
      records,
      n,
    );
  }

  private start(r: TrialRecord, slot: number): void {
    const { plan } = this.ctx;
    const options = this.options;
    // trials on a queue run on the workers' cores, not this machine's
    const slotCpus = options.launch ? [] : (this.ctx.shares[slot] ?? []);
    r.status = 'RUNNING';
    r.startTime = Date.now();
    r.cpus = slotCpus;
    r.history = [];
    r.epochs = 0;
    options.emit({ type: 'trial_start', trial: r.number, params: r.params, cpus: slotCpus });
    const child: TrialProcess = options.launch
      ? options.launch({ trial: r.number, cpus: slotCpus, slot })
      : launchWorker({
          cpus: slotCpus,
          cwd: plan.cwd,
          env: plan.env,
          stdio: 'pipe',
          ...(options.worker
            ? { script: options.worker.script, ...(options.worker.execArgv ? { execArgv: options.worker.execArgv } : {}) }
            : {}),
        }).child;
    let exitResolve!: () => void;
    const run: Running = { record: r, child, slot, stderrTail: '', exited: new Promise((res) => (exitResolve = res)) };
    this.running.set(r.number, run);
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      run.stderrTail = (run.stderrTail + c).slice(-2000);
    });
    child.on('message', (raw: unknown) => this.onMessage(run, raw as FromWorker));
    child.on('exit', (code, signal) => {
      void this.finishTrial(run, code, signal).finally(() => {
        this.running.delete(r.number);
        this.freeSlots.push(slot);
        this.freeSlots.sort((a, b) => a - b);
        exitResolve();
        this.notify();
      });
    });
    child.on('error', (err) => {
      run.stderrTail += `\n${err.message}`;
    });
  }

  private onMessage(run: Running, m: FromWorker): void {
    const { plan } = this.ctx;
    const r = run.record;
    const emit = this.options.emit;
    switch (m.type) {
      case 'ready':
        this.send(run, {
          type: 'start',
          trial: r.number,
          file: plan.file,
          cwd: plan.cwd,
          overrides: [...plan.overrides, ...toOverrides(r.params)],
          tags: this.trialRun.trialTags(r),
          runName: this.trialRun.runName(r.number),
          metric: plan.metric.name,
        });
        if (this.stopping) this.send(run, { type: 'stop', reason: this.stopping });
        break;
      case 'run':
        r.runId = m.runId;
        emit({ type: 'trial_run', trial: r.number, runId: m.runId });
        void this.ctx.persist();
        break;
      case 'phase':
        emit({ type: 'trial_phase', trial: r.number, phase: m.phase, ...(m.detail !== undefined ? { detail: m.detail } : {}) });
        break;
      case 'epoch':
        this.onEpoch(run, m);
        break;
      case 'done':
        run.done = m;
        break;
    }
  }

  /** A trial's epoch: its progress, and early termination's decision. */
  private onEpoch(run: Running, m: FromWorker & { type: 'epoch' }): void {
    const { plan, pruner } = this.ctx;
    const r = run.record;
    r.epochs = m.epoch;
    const watched = plan.metric.pruneOn ? m.metrics[plan.metric.pruneOn] : undefined;
    if (watched !== undefined) r.history[m.epoch - 1] = watched;
    const shown = m.metrics[plan.metric.name];
    this.options.emit({
      type: 'trial_epoch',
      trial: r.number,
      epoch: m.epoch,
      epochs: m.epochs,
      ...(shown !== undefined ? { value: shown } : {}),
      seconds: m.seconds,
    });
    if (pruner && watched !== undefined && !run.stopSent && m.epoch < m.epochs) {
      const d = pruner.report(r.number, m.epoch, orient(plan.metric.goal, watched));
      if (d.prune) {
        r.pruned = true;
        r.reason = d.reason ?? 'pruned';
        run.stopSent = `pruned by early termination: ${r.reason}`;
        this.send(run, { type: 'stop', reason: run.stopSent });
      }
    }
  }

  private async finishTrial(run: Running, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const { plan, parent } = this.ctx;
    const r = run.record;
    const goal = plan.metric.goal;
    const exit = { done: run.done, stopSent: run.stopSent, stderrTail: run.stderrTail, code, signal };
    settleTrial(r, exit, plan.metric.perEpoch);
    try {
      await recordTrialRun(this.trialRun, r, exit);
    } catch (err) {
      this.ctx.log('warn', `trial ${r.number}: could not update its run: ${(err as Error).message}`);
    }
    this.ctx.pruner?.complete(r.number, r.status === 'FINISHED');
    const best = this.ctx.best;
    if (r.status === 'FINISHED' && r.value !== undefined && (!best || bestTrial([best, r], goal) === r) && best !== r) {
      this.ctx.best = r;
      this.options.emit({ type: 'best', record: r });
    }
    const points: MetricPoint[] = [];
    const ts = Date.now();
    if (r.value !== undefined) points.push({ key: `trial_${plan.metric.name}`, value: r.value, timestamp: ts, step: r.number });
    const now = this.ctx.best;
    if (now?.value !== undefined) points.push({ key: `best_${plan.metric.name}`, value: now.value, timestamp: ts, step: r.number });
    await parent.tracker.logMetrics(parent.runId, points).catch(() => undefined);
    this.options.emit({ type: 'trial_end', record: { ...r } });
    await this.ctx.persist();
  }
}
