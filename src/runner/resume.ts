/**
 * `mmx run --resume RUN_ID`: what continuing a run needs, checked before anything about the run changes.
 *  - the run exists, and is FAILED, KILLED, or RUNNING with its process gone (src/tracking/liveness.ts);
 *    a FINISHED run, or one whose process still works on it, is refused;
 *  - the config resolves to the one the run was made with (the hash in `mmx.config_hash`); otherwise the refusal
 *    names each key that changed, from the run's config/config.resolved.yaml;
 *  - its last checkpoint (absent when no epoch ended: training then starts over in the same run) and, for
 *    restore_best, its best one;
 *  - the steps each metric was logged at, so that nothing is logged twice.
 */
import { parse as parseYaml } from 'yaml';
import type { ExperimentConfig } from '../experiment/schema.js';
import { UsageError } from '../errors.js';
import type { Checkpoint } from '../train/checkpoint/format.js';
import { liveness } from '../tracking/liveness.js';
import { flattenParams } from '../tracking/run-context.js';
import { asReader, type RunData, type RunInfo, type Tracker } from '../tracking/tracker.js';
import { readCheckpoint, readPointer, type CheckpointPointer } from './checkpoints.js';

export interface ResumePlan {
  run: RunData;
  last?: { pointer: CheckpointPointer; checkpoint: Checkpoint };
  best?: { pointer: CheckpointPointer; checkpoint: Checkpoint };
  /** where the best checkpoint is now (also when it is not read): the next one goes into the other folder */
  bestPointer?: CheckpointPointer;
  /** per metric key, the steps it was logged at */
  logged: Map<string, Set<number>>;
}

/** `key: old → new` for every flattened config key whose value differs (at most `max`). */
export function configChanges(before: unknown, after: unknown, max = 8): string[] {
  const a = flattenParams(before);
  const b = flattenParams(after);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const changed = keys.filter((k) => a[k] !== b[k]);
  const lines = changed.slice(0, max).map((k) => `${k}: ${a[k] ?? '(not set)'} → ${b[k] ?? '(not set)'}`);
  if (changed.length > max) lines.push(`and ${changed.length - max} more`);
  return lines;
}

export async function planResume(
  tracker: Tracker,
  runId: string,
  config: ExperimentConfig,
  hash: string,
  options: { restoreBest: boolean },
): Promise<ResumePlan> {
  const reader = asReader(tracker);
  if (!tracker.reopenRun) throw new UsageError(`--resume: the tracking store at ${tracker.uri} cannot set a run RUNNING again`);
  let run: RunData;
  try {
    run = await reader.getRunData(runId);
  } catch {
    throw new UsageError(`--resume: no run ${runId} in the tracking store ${tracker.uri}`);
  }
  const status = run.info.status;
  if (status === 'FINISHED') throw new UsageError(`--resume: run ${runId} is FINISHED; there is nothing to continue`);
  if (status === 'RUNNING') {
    const live = liveness(status, run.tags);
    if (!live.dead) {
      const beat =
        live.lastHeartbeat !== undefined
          ? `its heartbeat is ${Math.round((Date.now() - live.lastHeartbeat) / 1000)} s old`
          : 'it has no heartbeat';
      throw new UsageError(
        `--resume: run ${runId} is RUNNING and ${beat}: another process may still be training it (mmx runs shows dead runs; stop the process, or wait until its heartbeat is stale)`,
      );
    }
  }
  const experiment = await reader.getExperimentByName(config.tracking.experiment);
  if (experiment?.experimentId !== run.info.experimentId)
    throw new UsageError(`--resume: run ${runId} is not in the experiment '${config.tracking.experiment}' of this config`);
  const recorded = run.tags['mmx.config_hash'];
  if (recorded !== hash) {
    let changes: string[] = [];
    try {
      const before: unknown = parseYaml(new TextDecoder().decode(await reader.downloadArtifact(runId, 'config/config.resolved.yaml')));
      changes = configChanges(before, config);
    } catch {
      // the run has no resolved config: the hashes alone say it changed
    }
    throw new UsageError(
      `--resume: the config is not the one run ${runId} was made with (config hash ${hash.slice(0, 12)}, the run's ${String(recorded).slice(0, 12)})` +
        (changes.length ? `; changed: ${changes.join('; ')}` : '') +
        '. Resume with the config as it was (and the same --set flags), or start a new run',
    );
  }
  const last = await readCheckpoint(tracker, runId, 'last');
  if (last && last.checkpoint.configHash !== hash)
    throw new UsageError(
      `--resume: run ${runId}'s checkpoint was made with another config (hash ${last.checkpoint.configHash.slice(0, 12)})`,
    );
  const best = options.restoreBest ? await readCheckpoint(tracker, runId, 'best') : undefined;
  const bestPointer = best?.pointer ?? (await readPointer(tracker, runId, 'best'));
  const logged = new Map<string, Set<number>>();
  for (const key of Object.keys(run.metrics)) {
    const points = await reader.getMetricHistory(runId, key);
    logged.set(key, new Set(points.map((p) => p.step)));
  }
  return { run, ...(last ? { last } : {}), ...(best ? { best } : {}), ...(bestPointer ? { bestPointer } : {}), logged };
}

/** Sets the planned run RUNNING again (its end time cleared) and records the resume; returns the run. */
export async function reopenForResume(tracker: Tracker, plan: ResumePlan): Promise<RunInfo> {
  const runId = plan.run.info.runId;
  await tracker.reopenRun!(runId);
  const before = Number(plan.run.tags[RESUMES_TAG] ?? '0');
  await tracker.setTags(runId, {
    [RESUMES_TAG]: String((Number.isFinite(before) ? before : 0) + 1),
    'mmx.resumed_after_epoch': String(plan.last?.checkpoint.epoch ?? 0),
  });
  return { ...plan.run.info, status: 'RUNNING' };
}

export const RESUMES_TAG = 'mmx.resumes';

/** The data a resumed run prepared must be what its checkpoint was trained on (same rows, same preprocessing). */
export function resumedDataCheck(plan: ResumePlan, dataHash: string, state: unknown): void {
  const c = plan.last?.checkpoint;
  if (!c) return;
  if (c.dataHash !== dataHash)
    throw new UsageError(
      `--resume: the data changed since run ${plan.run.info.runId}'s checkpoint (data hash ${dataHash.slice(0, 12)}, the checkpoint's ${c.dataHash.slice(0, 12)}); resume with the data as it was, or start a new run`,
    );
  if (c.preprocessing !== undefined && c.preprocessing !== JSON.stringify(state))
    throw new UsageError(
      `--resume: the data's preprocessing (vocabularies, statistics) differs from run ${plan.run.info.runId}'s checkpoint; resume with the data and config as they were, or start a new run`,
    );
}
