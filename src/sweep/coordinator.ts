/**
 * `mmx sweep` without the CLI: one MLflow parent run for the sweep, one worker process per trial (`parallel`
 * at a time, each pinned to its share of the cores), early termination from the per-epoch metrics the workers
 * report, the trials' records kept on the parent as `sweep/trials.json` (what `--resume` reads back), and at
 * the end the trials table, plots and the best trial's config.
 *
 * Early-terminated trials end KILLED with the tags `mmx.sweep.pruned=true` and `mmx.sweep.pruned_reason`
 * (and `mmx.killed_reason` saying the same): their training was cut short, so they are not finished runs
 * and never count as the best trial. A worker that dies (crash, out of memory) fails only its own trial:
 * its run is ended FAILED by the coordinator. Ctrl-C stops every running trial after its current batch
 * (KILLED) and ends the parent KILLED; `--resume` re-runs only trials that neither finished nor were pruned.
 */
import { scrubSecrets } from '../config/secrets.js';
import { configChanges } from './trial-config.js';
import { readFile } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { configHash } from '../runner/run-experiment.js';
import { resolveTracker } from '../tracking/resolve.js';
import { gitCommit, systemTags } from '../tracking/run-context.js';
import type { MetricPoint, Tracker } from '../tracking/tracker.js';
import { MMX_VERSION } from '../version.js';
import type { SweepEvent, SweepResult } from './events.js';
import { allowedCpus, cpuShares, findTaskset, launchWorker, type TrialLauncher, type TrialProcess } from './launch.js';
import type { SweepPlan } from './plan.js';
import { renderSweepPlots } from './plots.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { createPruner } from '../search/pruners.js';
import { bestConfigYaml, bestTrial, isDone, TRIALS_ARTIFACT, trialsCsv, type TrialRecord, type TrialsFile } from './records.js';
import { proposeTrial } from './sampler.js';
import { showValue, toOverrides, type Assignment } from '../search/space.js';
import { overridesTag, sweepRunName } from '../runner/run-name.js';
import { sweepOutDir } from './out-dir.js';

export interface SweepOptions {
  emit: (e: SweepEvent) => void;
  signal?: AbortSignal;
  /** continue this parent run (`--resume SWEEP_RUN_ID`) */
  resume?: string;
  /** folder for best.yaml and trials.csv (default: `sweepOutDir`: `.mmx/sweeps/<first 8 of the parent run id>/`) */
  outDir?: string;
  /** another worker entry (tests) */
  worker?: { script: string; execArgv?: string[] };
  /** after a stop, how long running trials get to end their runs before they are killed (default 60 s) */
  stopGraceMs?: number;
  /** the tracker to use (default: from the config / MLFLOW_TRACKING_URI) */
  tracker?: Tracker;
  /** the sweep can be ended synchronously through this (a second Ctrl-C) */
  onHandle?: (handle: SweepHandle) => void;
  /** run trials somewhere else than in local worker processes (`--queue`: src/sweep/queue/remote.ts) */
  launch?: TrialLauncher;
  /**
   * `--resume` with a launcher: whether trial n is still alive there (queued, running, or done while no
   * coordinator watched). Such a trial is re-attached to instead of re-run: its run is left as it is.
   */
  isLive?: (trial: number, runId: string | undefined) => Promise<boolean>;
}

export interface SweepHandle {
  /** kill every worker now and end every open run KILLED, synchronously */
  killNow(): void;
}

export type { SweepResult } from './events.js';

interface Running {
  record: TrialRecord;
  child: TrialProcess;
  slot: number;
  stopSent?: string;
  done?: FromWorker & { type: 'done' };
  stderrTail: string;
  exited: Promise<void>;
}

const orient = (goal: 'minimize' | 'maximize', v: number): number => (goal === 'minimize' ? v : -v);

async function readTrialsFile(tracker: Tracker, runId: string): Promise<TrialsFile | undefined> {
  let text: string | undefined;
  if (tracker.downloadArtifact) {
    try {
      text = Buffer.from(await tracker.downloadArtifact(runId, TRIALS_ARTIFACT)).toString('utf8');
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) {
    const info = await tracker.getRun(runId);
    if (info.artifactDir) {
      try {
        text = await readFile(path.join(info.artifactDir, ...TRIALS_ARTIFACT.split('/')), 'utf8');
      } catch {
        text = undefined;
      }
    }
  }
  return text === undefined ? undefined : (JSON.parse(text) as TrialsFile);
}

export async function runSweep(plan: SweepPlan, options: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const emit = options.emit;
  const log = (level: 'info' | 'warn', message: string) => emit({ type: 'log', level, message });
  const config = plan.base.config;
  const goal = plan.metric.goal;
  const tracker =
    options.tracker ??
    resolveTracker({ ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}), env: plan.env, cwd: plan.cwd });
  const experimentId = await tracker.getOrCreateExperiment(config.tracking.experiment);
  const configDisplay = path.relative(plan.cwd, plan.file) || plan.file;
  const swept = plan.defs.filter((d) => d.kind !== 'constant').map((d) => d.path);

  // ------------------------------------------------------------------ the parent run
  let parentRunId: string;
  let records: TrialRecord[] = [];
  if (options.resume) {
    parentRunId = options.resume;
    let info;
    try {
      info = await tracker.getRun(parentRunId);
    } catch {
      throw new UsageError(`--resume: no run ${parentRunId} in the tracking store ${tracker.uri}`);
    }
    if (info.experimentId !== experimentId)
      throw new UsageError(`--resume: run ${parentRunId} is in another experiment than '${config.tracking.experiment}'`);
    const saved = await readTrialsFile(tracker, parentRunId);
    if (!saved) throw new UsageError(`--resume: run ${parentRunId} is not an mmx sweep (it has no ${TRIALS_ARTIFACT} artifact)`);
    if (saved.space_hash !== plan.spaceHash) {
      throw new UsageError(
        `--resume: the search (method, metric, parameters or seed) of ${configDisplay} is not the one sweep ${parentRunId} ran; resume with the same sweep section (trials and parallel may change)`,
      );
    }
    if (saved.trial_config_hash === undefined)
      log(
        'warn',
        `sweep ${parentRunId} was started by an older mmx: whether ${configDisplay} still configures its trials the same way cannot be checked`,
      );
    else if (saved.trial_config_hash !== plan.trialBase.hash) {
      const changes = configChanges(saved.trial_config ?? {}, plan.trialBase.config);
      const shown = changes.slice(0, 5).join('; ') + (changes.length > 5 ? `; and ${changes.length - 5} more` : '');
      throw new UsageError(
        `--resume: ${configDisplay} configures the trials differently from the ones sweep ${parentRunId} ran (${shown || 'the config changed'}); ` +
          `resume with the config it ran (only sweep.trials, sweep.parallel, runtime and tracking may change), or start a new sweep`,
      );
    }
    if (info.status === 'RUNNING')
      log('warn', `sweep ${parentRunId} is marked RUNNING: if another mmx sweep is still running it, stop that one first`);
    records = saved.trials;
    // trials that neither finished nor were pruned run again; stale runs of theirs are closed
    for (const r of records) {
      if (isDone(r)) continue;
      if (options.isLive && (await options.isLive(r.number, r.runId))) {
        records[records.indexOf(r)] = { number: r.number, params: r.params, status: 'PENDING', history: [], epochs: 0 };
        continue;
      }
      if (r.runId) {
        try {
          const child = await tracker.getRun(r.runId);
          if (child.status === 'RUNNING') await tracker.endRun(r.runId, 'KILLED');
          await tracker.setTags(r.runId, { 'mmx.sweep.superseded': 'true' });
        } catch {
          /* the run is gone: nothing to close */
        }
      }
      records[records.indexOf(r)] = { number: r.number, params: r.params, status: 'PENDING', history: [], epochs: 0 };
    }
    await tracker.setTags(parentRunId, {
      'mmx.sweep.resumed': String(Number((await tracker.getRunData?.(parentRunId))?.tags['mmx.sweep.resumed'] ?? '0') + 1),
      'mmx.sweep.state': 'running',
    });
  } else {
    const commit = gitCommit(path.dirname(plan.file));
    const runName = sweepRunName(config.name, plan.overrides);
    const parent = await tracker.createRun(experimentId, {
      runName,
      tags: {
        ...systemTags({ runName, sourceName: configDisplay, ...(commit ? { gitCommit: commit } : {}) }),
        'mmx.version': MMX_VERSION,
        'mmx.config_hash': configHash(config),
        'mmx.sweep': 'true',
        'mmx.sweep.method': plan.method,
        'mmx.sweep.metric': plan.metric.name,
        'mmx.sweep.goal': goal,
        'mmx.sweep.space_hash': plan.spaceHash,
        'mmx.sweep.state': 'running',
        ...overridesTag(plan.overrides),
        ...config.tracking.tags,
      },
    });
    parentRunId = parent.runId;
    const space: Record<string, string> = {};
    for (const [p, spec] of Object.entries(plan.sweep.parameters)) space[`sweep.space.${p}`] = JSON.stringify(spec);
    await tracker.logParams(parentRunId, {
      'sweep.method': plan.method,
      'sweep.metric': plan.metric.name,
      'sweep.goal': goal,
      'sweep.trials': String(plan.trials),
      'sweep.parallel': String(plan.parallel),
      'sweep.seed': String(plan.seed),
      ...(plan.method === 'bayes' ? { 'sweep.n_startup_trials': String(plan.sweep.n_startup_trials) } : {}),
      ...(plan.sweep.early_terminate ? { 'sweep.early_terminate': JSON.stringify(plan.sweep.early_terminate) } : {}),
      ...space,
    });
    await tracker.logArtifact(parentRunId, 'config/config.yaml', plan.base.written);
    const resolved = structuredClone(config) as Record<string, unknown>;
    await tracker.logArtifact(parentRunId, 'config/config.resolved.yaml', toYaml(resolved));
    await tracker.logArtifact(
      parentRunId,
      'sweep/search_space.yaml',
      toYaml({ method: plan.method, metric: plan.sweep.metric, seed: plan.seed, trials: plan.trials, parameters: plan.sweep.parameters }),
    );
  }

  // ------------------------------------------------------------------ bookkeeping
  let persistChain: Promise<void> = Promise.resolve();
  const persist = (): Promise<void> => {
    const file: TrialsFile = {
      version: 1,
      space_hash: plan.spaceHash,
      trial_config_hash: plan.trialBase.hash,
      trial_config: plan.trialBase.config,
      method: plan.method,
      metric: { name: plan.metric.name, goal },
      seed: plan.seed,
      trials_budget: plan.trials,
      trials: [...records].sort((a, b) => a.number - b.number),
    };
    const text = JSON.stringify(file, null, 2);
    persistChain = persistChain
      .then(() => tracker.logArtifact(parentRunId, TRIALS_ARTIFACT, text))
      .catch((err: unknown) => log('warn', `could not save ${TRIALS_ARTIFACT}: ${(err as Error).message}`));
    return persistChain;
  };
  const pruner = plan.sweep.early_terminate ? createPruner(plan.sweep.early_terminate, plan.maxEpochs) : undefined;
  for (const r of records.filter(isDone).sort((a, b) => a.number - b.number)) {
    pruner?.seed(r.history.map((v) => orient(goal, v)));
  }
  let best = bestTrial(records, goal);

  const cpus = allowedCpus();
  const shares = cpuShares(cpus, plan.parallel);
  const pinned = findTaskset(plan.env) !== undefined;
  emit({
    type: 'sweep_start',
    info: {
      name: config.name,
      experiment: config.tracking.experiment,
      configPath: configDisplay,
      method: plan.method,
      metric: plan.metric.name,
      goal,
      total: Math.max(plan.trials, records.length),
      parallel: plan.parallel,
      parentRunId,
      trackingUri: tracker.uri,
      params: swept,
      cpus: shares,
      pinned,
      previous: records.filter(isDone),
      ...(plan.sweep.early_terminate
        ? {
            earlyTerminate: `${plan.sweep.early_terminate.type} (min_epochs ${plan.sweep.early_terminate.min_epochs}${plan.sweep.early_terminate.type === 'asha' ? `, reduction_factor ${plan.sweep.early_terminate.reduction_factor}` : ''})`,
          }
        : {}),
    },
  });
  for (const w of plan.warnings) log('warn', w);
  await persist();

  // ------------------------------------------------------------------ proposing trials
  const pending = records.filter((r) => r.status === 'PENDING').sort((a, b) => a.number - b.number);
  let nextNumber = records.reduce((m, r) => Math.max(m, r.number), 0) + 1;
  const propose = (n: number): Assignment =>
    proposeTrial({ method: plan.method, defs: plan.defs, seed: plan.seed, nStartupTrials: plan.sweep.n_startup_trials, goal }, records, n);
  const nextTrial = (): TrialRecord | undefined => {
    const again = pending.shift();
    if (again) return again;
    if (records.length >= plan.trials) return undefined;
    const n = nextNumber++;
    const r: TrialRecord = { number: n, params: propose(n), status: 'PENDING', history: [], epochs: 0 };
    records.push(r);
    return r;
  };

  // ------------------------------------------------------------------ running trials
  const running = new Map<number, Running>();
  const freeSlots = Array.from({ length: plan.parallel }, (_, i) => i);
  let stopping: string | undefined;
  let wake: (() => void) | undefined;
  /** something changed since the loop last looked (a trial ended, a stop was asked for) */
  let dirty = false;
  const notify = () => {
    dirty = true;
    wake?.();
  };
  const stopGraceMs = options.stopGraceMs ?? 60_000;

  const send = (run: Running, m: ToWorker): void => {
    if (run.child.connected) run.child.send(m, (err) => err && undefined);
  };

  const finishTrial = async (run: Running, code: number | null, signal: NodeJS.Signals | null): Promise<void> => {
    const r = run.record;
    const done = run.done;
    r.endTime = Date.now();
    r.seconds = done?.seconds ?? (r.endTime - (r.startTime ?? r.endTime)) / 1000;
    if (done?.runId) r.runId = done.runId;
    const lastValue = r.history[r.history.length - 1];
    if (!done && run.stopSent) {
      // told to stop and killed when it did not in time
      r.status = 'KILLED';
      if (!r.pruned) r.reason = run.stopSent;
      if (r.pruned && plan.metric.perEpoch && lastValue !== undefined) r.value = lastValue;
    } else if (!done) {
      // the worker died without a word: a crash or the OOM killer
      r.status = 'FAILED';
      r.pruned = false;
      const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}` : `exited with code ${code}`;
      const tail = run.stderrTail.trim().split('\n').slice(-3).join(' | ');
      r.error = `the trial's worker process ${how}${tail ? `: ${tail}` : ''}`;
    } else if (done.status === 'FINISHED') {
      r.status = 'FINISHED';
      r.pruned = false;
      delete r.reason;
      if (done.value !== undefined) r.value = done.value;
      if (done.test) r.test = done.test;
    } else if (done.status === 'KILLED') {
      r.status = 'KILLED';
      if (r.pruned && plan.metric.perEpoch && lastValue !== undefined) {
        // the sweep metric at the epoch it was stopped
        r.value = lastValue;
      }
      if (!r.pruned) r.reason = run.stopSent ?? 'interrupted';
    } else {
      r.status = 'FAILED';
      r.pruned = false;
      r.error = done.error ?? 'failed';
    }
    // the trial's run in the store
    try {
      if (r.runId) {
        if (r.status === 'FAILED' && !done) {
          await tracker.setTags(r.runId, { 'mmx.error': r.error!.slice(0, 5000), 'mmx.error_type': 'WorkerExit' });
          await tracker.endRun(r.runId, 'FAILED');
        } else if (r.status === 'KILLED' && done === undefined) {
          await tracker.setTags(r.runId, { 'mmx.killed_reason': run.stopSent ?? 'killed' });
          await tracker.endRun(r.runId, 'KILLED');
        }
        if (r.pruned)
          await tracker.setTags(r.runId, {
            'mmx.sweep.pruned': 'true',
            'mmx.sweep.pruned_reason': r.reason ?? 'pruned',
            'mmx.sweep.pruned_epoch': String(r.epochs),
          });
      } else if (r.status === 'FAILED' || r.status === 'KILLED') {
        // it never got as far as a run (bad value, crash at start): record one so MLflow shows the trial
        const run0 = await tracker.createRun(experimentId, { runName: `${config.name}-trial-${r.number}`, tags: trialTags(r) });
        r.runId = run0.runId;
        const params: Record<string, string> = {};
        for (const [p, v] of Object.entries(r.params)) params[p] = showValue(v).slice(0, 6000);
        await tracker.logParams(run0.runId, params);
        await tracker.setTags(
          run0.runId,
          r.status === 'FAILED' ? { 'mmx.error': (r.error ?? '').slice(0, 5000) } : { 'mmx.killed_reason': r.reason ?? 'interrupted' },
        );
        await tracker.endRun(run0.runId, r.status);
      }
    } catch (err) {
      log('warn', `trial ${r.number}: could not update its run: ${(err as Error).message}`);
    }
    pruner?.complete(r.number, r.status === 'FINISHED');
    if (r.status === 'FINISHED' && r.value !== undefined && (!best || bestTrial([best, r], goal) === r) && best !== r) {
      best = r;
      emit({ type: 'best', record: r });
    }
    const points: MetricPoint[] = [];
    const ts = Date.now();
    if (r.value !== undefined) points.push({ key: `trial_${plan.metric.name}`, value: r.value, timestamp: ts, step: r.number });
    if (best?.value !== undefined) points.push({ key: `best_${plan.metric.name}`, value: best.value, timestamp: ts, step: r.number });
    await tracker.logMetrics(parentRunId, points).catch(() => undefined);
    emit({ type: 'trial_end', record: { ...r } });
    await persist();
  };

  const trialTags = (r: TrialRecord): Record<string, string> => ({
    'mlflow.parentRunId': parentRunId,
    'sweep.trial': String(r.number),
    'mmx.sweep.parent': parentRunId,
    'mmx.sweep.params': JSON.stringify(r.params).slice(0, 5000),
  });

  const start = (r: TrialRecord, slot: number): void => {
    // trials on a queue run on the workers' cores, not this machine's
    const slotCpus = options.launch ? [] : (shares[slot] ?? []);
    r.status = 'RUNNING';
    r.startTime = Date.now();
    r.cpus = slotCpus;
    r.history = [];
    r.epochs = 0;
    emit({ type: 'trial_start', trial: r.number, params: r.params, cpus: slotCpus });
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
    running.set(r.number, run);
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      run.stderrTail = (run.stderrTail + c).slice(-2000);
    });
    child.on('message', (raw: unknown) => {
      const m = raw as FromWorker;
      switch (m.type) {
        case 'ready':
          send(run, {
            type: 'start',
            trial: r.number,
            file: plan.file,
            cwd: plan.cwd,
            overrides: [...plan.overrides, ...toOverrides(r.params)],
            tags: trialTags(r),
            runName: `${config.name}-trial-${r.number}`,
            metric: plan.metric.name,
          });
          if (stopping) send(run, { type: 'stop', reason: stopping });
          break;
        case 'run':
          r.runId = m.runId;
          emit({ type: 'trial_run', trial: r.number, runId: m.runId });
          void persist();
          break;
        case 'phase':
          emit({ type: 'trial_phase', trial: r.number, phase: m.phase, ...(m.detail !== undefined ? { detail: m.detail } : {}) });
          break;
        case 'epoch': {
          r.epochs = m.epoch;
          const watched = plan.metric.pruneOn ? m.metrics[plan.metric.pruneOn] : undefined;
          if (watched !== undefined) r.history[m.epoch - 1] = watched;
          const shown = m.metrics[plan.metric.name];
          emit({
            type: 'trial_epoch',
            trial: r.number,
            epoch: m.epoch,
            epochs: m.epochs,
            ...(shown !== undefined ? { value: shown } : {}),
            seconds: m.seconds,
          });
          if (pruner && watched !== undefined && !run.stopSent && m.epoch < m.epochs) {
            const d = pruner.report(r.number, m.epoch, orient(goal, watched));
            if (d.prune) {
              r.pruned = true;
              r.reason = d.reason ?? 'pruned';
              run.stopSent = `pruned by early termination: ${r.reason}`;
              send(run, { type: 'stop', reason: run.stopSent });
            }
          }
          break;
        }
        case 'done':
          run.done = m;
          break;
      }
    });
    child.on('exit', (code, signal) => {
      void finishTrial(run, code, signal).finally(() => {
        running.delete(r.number);
        freeSlots.push(slot);
        freeSlots.sort((a, b) => a - b);
        exitResolve();
        notify();
      });
    });
    child.on('error', (err) => {
      run.stderrTail += `\n${err.message}`;
    });
  };

  const stopAll = (reason: string): void => {
    if (stopping) return;
    stopping = reason;
    for (const run of running.values()) {
      run.stopSent ??= reason;
      send(run, { type: 'stop', reason });
    }
    notify();
  };
  const onAbort = () => stopAll(typeof options.signal?.reason === 'string' ? options.signal.reason : 'interrupted (SIGINT)');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  options.onHandle?.({
    killNow() {
      for (const run of running.values()) {
        try {
          run.child.kill('SIGKILL');
        } catch {
          /* gone */
        }
        if (run.record.runId) {
          try {
            tracker.endRunSync?.(run.record.runId, 'KILLED');
          } catch {
            /* best effort */
          }
        }
      }
      try {
        tracker.endRunSync?.(parentRunId, 'KILLED');
      } catch {
        /* best effort */
      }
    },
  });

  let failure: unknown;
  try {
    for (;;) {
      dirty = false;
      while (!stopping && freeSlots.length > 0) {
        const r = nextTrial();
        if (!r) break;
        start(r, freeSlots.shift()!);
        await persist();
      }
      if (running.size === 0) break;
      if (stopping) {
        // running trials end their runs KILLED; the ones that do not in time are killed
        const timer = setTimeout(() => {
          for (const run of running.values()) run.child.kill('SIGKILL');
        }, stopGraceMs);
        await Promise.all([...running.values()].map((r) => r.exited));
        clearTimeout(timer);
        break;
      }
      if (!dirty) await new Promise<void>((res) => (wake = res));
      wake = undefined;
    }
  } catch (err) {
    failure = err;
    stopAll('the sweep failed');
    for (const run of running.values()) run.child.kill('SIGKILL');
    await Promise.all([...running.values()].map((r) => r.exited));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  // ------------------------------------------------------------------ the end
  await persist();
  const interrupted = stopping !== undefined && failure === undefined;
  best = bestTrial(records, goal);
  const status: SweepResult['status'] = failure !== undefined ? 'FAILED' : interrupted ? 'KILLED' : best ? 'FINISHED' : 'FAILED';
  const sorted = [...records].sort((a, b) => a.number - b.number);
  const csv = trialsCsv(sorted, swept, plan.metric.name);
  let bestYaml: string | undefined;
  let csvPath: string | undefined;
  try {
    await tracker.logArtifact(parentRunId, 'sweep/trials.csv', csv);
    const plots = await renderSweepPlots(plan, sorted, (m) => log('warn', m));
    if (plots.metricVsTrial) {
      await tracker.logArtifact(parentRunId, 'plots/metric_vs_trial.svg', plots.metricVsTrial.svg);
      await tracker.logArtifact(parentRunId, 'plots/metric_vs_trial.png', plots.metricVsTrial.png);
    }
    if (plots.parameters) {
      await tracker.logArtifact(parentRunId, 'plots/parameters.svg', plots.parameters.svg);
      await tracker.logArtifact(parentRunId, 'plots/parameters.png', plots.parameters.png);
    }
    const outDir = options.outDir !== undefined ? path.resolve(plan.cwd, options.outDir) : sweepOutDir(plan.cwd, parentRunId);
    mkdirSync(outDir, { recursive: true });
    csvPath = path.join(outDir, 'trials.csv');
    writeFileSync(csvPath, scrubSecrets(csv));
    if (best) {
      const yaml = bestConfigYaml(plan, best, parentRunId);
      bestYaml = path.join(outDir, 'best.yaml');
      writeFileSync(bestYaml, yaml);
      await tracker.logArtifact(parentRunId, 'sweep/best.yaml', yaml);
      await tracker.logArtifact(
        parentRunId,
        'sweep/best.json',
        JSON.stringify(
          { trial: best.number, run_id: best.runId, metric: plan.metric.name, value: best.value, params: best.params },
          null,
          2,
        ),
      );
      const tags: Record<string, string> = {
        'mmx.sweep.best_trial': String(best.number),
        'mmx.sweep.best_run_id': best.runId ?? '',
        'mmx.sweep.best_value': String(best.value),
      };
      for (const [p, v] of Object.entries(best.params)) tags[`mmx.sweep.best.${p}`] = showValue(v).slice(0, 5000);
      await tracker.setTags(parentRunId, tags);
    }
    const counts = (s: string) => sorted.filter((t) => (s === 'pruned' ? t.pruned : t.status === s && !t.pruned)).length;
    await tracker.setTags(parentRunId, {
      'mmx.sweep.state': interrupted ? 'interrupted' : 'done',
      'mmx.sweep.trials_finished': String(counts('FINISHED')),
      'mmx.sweep.trials_pruned': String(counts('pruned')),
      'mmx.sweep.trials_failed': String(counts('FAILED')),
      ...(interrupted ? { 'mmx.killed_reason': stopping! } : {}),
      ...(failure !== undefined ? { 'mmx.error': String((failure as Error).message ?? failure).slice(0, 5000) } : {}),
    });
  } catch (err) {
    log('warn', `could not write the sweep's results: ${(err as Error).message}`);
  } finally {
    await tracker.endRun(parentRunId, status);
  }
  const info = await tracker.getRun(parentRunId).catch(() => undefined);
  const result: SweepResult = {
    status,
    parentRunId,
    experimentId,
    trials: sorted,
    ...(best ? { best } : {}),
    ...(bestYaml ? { bestYaml } : {}),
    ...(csvPath ? { trialsCsv: csvPath } : {}),
    trackingUri: tracker.uri,
    ...(info?.artifactDir ? { artifactDir: info.artifactDir } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
  emit({ type: 'sweep_end', ...result });
  if (failure !== undefined) throw failure;
  return result;
}
