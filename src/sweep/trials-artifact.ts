/**
 * `sweep/trials.json` on the parent run: every trial's record, written after every change (one write after
 * another), and read back by `--resume`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Tracker } from '../tracking/tracker.js';
import type { SweepPlan } from './plan.js';
import { TRIALS_ARTIFACT, type TrialRecord, type TrialsFile } from './records.js';

export async function readTrialsFile(tracker: Tracker, runId: string): Promise<TrialsFile | undefined> {
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

/** Writes the records as they are now, after the writes before it; a failed write is a warning. */
export function trialsWriter(
  plan: SweepPlan,
  records: readonly TrialRecord[],
  write: (text: string) => Promise<void>,
  warn: (message: string) => void,
): () => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  return () => {
    const file: TrialsFile = {
      version: 1,
      space_hash: plan.spaceHash,
      trial_config_hash: plan.trialBase.hash,
      trial_config: plan.trialBase.config,
      method: plan.method,
      metric: { name: plan.metric.name, goal: plan.metric.goal },
      seed: plan.seed,
      trials_budget: plan.trials,
      trials: [...records].sort((a, b) => a.number - b.number),
    };
    const text = JSON.stringify(file, null, 2);
    chain = chain.then(() => write(text)).catch((err: unknown) => warn(`could not save ${TRIALS_ARTIFACT}: ${(err as Error).message}`));
    return chain;
  };
}
