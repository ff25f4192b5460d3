/**
 * The sweep's parent run: created with its start tags, params and the search space as artifacts — or, with
 * `--resume`, the run of an earlier session, whose trials are read back from `sweep/trials.json`. Trials that
 * neither finished nor were pruned go back to PENDING (their stale runs closed) unless the queue still runs them.
 */
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { RunRecorder } from '../runner/recorder/run-recorder.js';
import { startTags } from '../runner/recorder/start-tags.js';
import { sweepRunName } from '../runner/run-name.js';
import type { Tracker } from '../tracking/tracker.js';
import type { SweepPlan } from './plan.js';
import { isDone, TRIALS_ARTIFACT, type TrialRecord, type TrialsFile } from './records.js';
import { configChanges } from './trial-config.js';
import { readTrialsFile } from './trials-artifact.js';

export interface ParentRun {
  recorder: RunRecorder;
  /** the trials so far: none for a new sweep */
  records: TrialRecord[];
}

export interface ParentRunOptions {
  resume?: string;
  /** `--resume` with a queue: whether trial n is still alive there (it is re-attached to, not re-run) */
  isLive?: (trial: number, runId: string | undefined) => Promise<boolean>;
  log: (level: 'info' | 'warn', message: string) => void;
}

export async function openParentRun(
  plan: SweepPlan,
  tracker: Tracker,
  experimentId: string,
  options: ParentRunOptions,
): Promise<ParentRun> {
  return options.resume
    ? resumeParentRun(plan, tracker, experimentId, options.resume, options)
    : { recorder: await createParentRun(plan, tracker, experimentId), records: [] };
}

const pendingAgain = (r: TrialRecord): TrialRecord => ({ number: r.number, params: r.params, status: 'PENDING', history: [], epochs: 0 });

async function resumeParentRun(
  plan: SweepPlan,
  tracker: Tracker,
  experimentId: string,
  runId: string,
  options: ParentRunOptions,
): Promise<ParentRun> {
  const config = plan.base.config;
  const configDisplay = path.relative(plan.cwd, plan.file) || plan.file;
  let recorder: RunRecorder;
  try {
    recorder = await RunRecorder.attach(tracker, runId);
  } catch {
    throw new UsageError(`--resume: no run ${runId} in the tracking store ${tracker.uri}`);
  }
  if (recorder.experimentId !== experimentId)
    throw new UsageError(`--resume: run ${runId} is in another experiment than '${config.tracking.experiment}'`);
  const saved = await readTrialsFile(tracker, runId);
  if (!saved) throw new UsageError(`--resume: run ${runId} is not an mmx sweep (it has no ${TRIALS_ARTIFACT} artifact)`);
  if (saved.space_hash !== plan.spaceHash) {
    throw new UsageError(
      `--resume: the search (method, metric, parameters or seed) of ${configDisplay} is not the one sweep ${runId} ran; resume with the same sweep section (trials and parallel may change)`,
    );
  }
  checkTrialConfig(plan, saved, runId, configDisplay, options.log);
  if (recorder.run.status === 'RUNNING')
    options.log('warn', `sweep ${runId} is marked RUNNING: if another mmx sweep is still running it, stop that one first`);
  const records = saved.trials;
  // trials that neither finished nor were pruned run again; stale runs of theirs are closed
  for (const r of records) {
    if (isDone(r)) continue;
    if (options.isLive && (await options.isLive(r.number, r.runId))) {
      records[records.indexOf(r)] = pendingAgain(r);
      continue;
    }
    if (r.runId) await closeStaleTrialRun(tracker, r.runId);
    records[records.indexOf(r)] = pendingAgain(r);
  }
  await recorder.setTags({
    'mmx.sweep.resumed': String(Number((await tracker.getRunData?.(runId))?.tags['mmx.sweep.resumed'] ?? '0') + 1),
    'mmx.sweep.state': 'running',
  });
  return { recorder, records };
}

/** The trials must be configured as the ones the sweep ran (only sweep.trials, sweep.parallel, runtime and tracking may change). */
function checkTrialConfig(plan: SweepPlan, saved: TrialsFile, runId: string, configDisplay: string, log: ParentRunOptions['log']): void {
  if (saved.trial_config_hash === undefined) {
    log(
      'warn',
      `sweep ${runId} was started by an older mmx: whether ${configDisplay} still configures its trials the same way cannot be checked`,
    );
    return;
  }
  if (saved.trial_config_hash === plan.trialBase.hash) return;
  const changes = configChanges(saved.trial_config ?? {}, plan.trialBase.config);
  const shown = changes.slice(0, 5).join('; ') + (changes.length > 5 ? `; and ${changes.length - 5} more` : '');
  throw new UsageError(
    `--resume: ${configDisplay} configures the trials differently from the ones sweep ${runId} ran (${shown || 'the config changed'}); ` +
      `resume with the config it ran (only sweep.trials, sweep.parallel, runtime and tracking may change), or start a new sweep`,
  );
}

async function closeStaleTrialRun(tracker: Tracker, runId: string): Promise<void> {
  try {
    const child = await tracker.getRun(runId);
    if (child.status === 'RUNNING') await tracker.endRun(runId, 'KILLED');
    await tracker.setTags(runId, { 'mmx.sweep.superseded': 'true' });
  } catch {
    /* the run is gone: nothing to close */
  }
}

async function createParentRun(plan: SweepPlan, tracker: Tracker, experimentId: string): Promise<RunRecorder> {
  const config = plan.base.config;
  const goal = plan.metric.goal;
  const runName = sweepRunName(config.name, plan.overrides);
  const recorder = await RunRecorder.create(tracker, experimentId, {
    runName,
    tags: startTags({
      runName,
      commitFrom: path.dirname(plan.file),
      sourceName: path.relative(plan.cwd, plan.file) || plan.file,
      config,
      kind: {
        'mmx.sweep': 'true',
        'mmx.sweep.method': plan.method,
        'mmx.sweep.metric': plan.metric.name,
        'mmx.sweep.goal': goal,
        'mmx.sweep.space_hash': plan.spaceHash,
        'mmx.sweep.state': 'running',
      },
      overrides: plan.overrides,
      user: config.tracking.tags,
    }),
  });
  const space: Record<string, string> = {};
  for (const [p, spec] of Object.entries(plan.sweep.parameters)) space[`sweep.space.${p}`] = JSON.stringify(spec);
  await recorder.logParams({
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
  await recorder.logArtifact('config/config.yaml', plan.base.written);
  const resolved = structuredClone(config) as Record<string, unknown>;
  await recorder.logArtifact('config/config.resolved.yaml', toYaml(resolved));
  await recorder.logArtifact(
    'sweep/search_space.yaml',
    toYaml({ method: plan.method, metric: plan.sweep.metric, seed: plan.seed, trials: plan.trials, parameters: plan.sweep.parameters }),
  );
  return recorder;
}
