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
import path from 'node:path';
import { resolveTracker } from '../tracking/resolve.js';
import type { Tracker } from '../tracking/tracker.js';
import type { SweepEvent, SweepResult } from './events.js';
import { allowedCpus, cpuShares, findTaskset, type TrialLauncher } from './launch.js';
import type { SweepPlan } from './plan.js';
import { createPruner } from '../search/pruners.js';
import { bestTrial, isDone, TRIALS_ARTIFACT } from './records.js';
import { openParentRun } from './parent-run.js';
import { trialsWriter } from './trials-artifact.js';
import { orient, TrialScheduler, type SchedulerContext } from './scheduler.js';
import { finaliseSweep } from './finalise.js';

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

/** The parent run (parent-run.ts), the trials (scheduler.ts), the end (finalise.ts). */
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
  const { recorder: parent, records } = await openParentRun(plan, tracker, experimentId, {
    ...(options.resume ? { resume: options.resume } : {}),
    ...(options.isLive ? { isLive: options.isLive } : {}),
    log,
  });

  const persist = trialsWriter(
    plan,
    records,
    (text) => parent.logArtifact(TRIALS_ARTIFACT, text),
    (m) => log('warn', m),
  );
  const pruner = plan.sweep.early_terminate ? createPruner(plan.sweep.early_terminate, plan.maxEpochs) : undefined;
  for (const r of records.filter(isDone).sort((a, b) => a.number - b.number)) {
    pruner?.seed(r.history.map((v) => orient(goal, v)));
  }
  const shares = cpuShares(allowedCpus(), plan.parallel);
  emitStart(plan, parent.runId, tracker.uri, records, shares, emit);
  for (const w of plan.warnings) log('warn', w);
  await persist();

  const ctx: SchedulerContext = { plan, parent, records, pruner, shares, best: bestTrial(records, goal), persist, log };
  const scheduler = new TrialScheduler(ctx, options);
  options.onHandle?.({ killNow: () => scheduler.killNow() });
  const end = await scheduler.run();

  await persist();
  const done = await finaliseSweep(plan, parent, records, end, {
    ...(options.outDir !== undefined ? { outDir: options.outDir } : {}),
    log,
  });
  const info = await parent.info().catch(() => undefined);
  const result: SweepResult = {
    ...done,
    parentRunId: parent.runId,
    experimentId,
    trackingUri: tracker.uri,
    ...(info?.artifactDir ? { artifactDir: info.artifactDir } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
  emit({ type: 'sweep_end', ...result });
  if (end.failure !== undefined) throw end.failure;
  return result;
}

function emitStart(
  plan: SweepPlan,
  parentRunId: string,
  trackingUri: string,
  records: SchedulerContext['records'],
  shares: number[][],
  emit: SweepOptions['emit'],
): void {
  const config = plan.base.config;
  const et = plan.sweep.early_terminate;
  emit({
    type: 'sweep_start',
    info: {
      name: config.name,
      experiment: config.tracking.experiment,
      configPath: path.relative(plan.cwd, plan.file) || plan.file,
      method: plan.method,
      metric: plan.metric.name,
      goal: plan.metric.goal,
      total: Math.max(plan.trials, records.length),
      parallel: plan.parallel,
      parentRunId,
      trackingUri,
      params: plan.defs.filter((d) => d.kind !== 'constant').map((d) => d.path),
      cpus: shares,
      pinned: findTaskset(plan.env) !== undefined,
      previous: records.filter(isDone),
      ...(et
        ? {
            earlyTerminate: `${et.type} (min_epochs ${et.min_epochs}${et.type === 'asha' ? `, reduction_factor ${et.reduction_factor}` : ''})`,
          }
        : {}),
    },
  });
}
