/**
 * A queue trial's process (forked by `mmx worker`, one per trial): src/sweep/worker.ts's job — one `start`
 * message, the experiment run as `mmx run` would, per-epoch metrics over IPC (src/sweep/trial-process.ts) —
 * plus the finish claim: just before the run would end FINISHED it asks the worker (`finishing`), and ends the
 * run KILLED (`mmx.sweep.duplicate=true`) when another attempt of the same trial has already finished it, or
 * when the worker is gone (a worker killed mid-trial leaves its trials to be retried elsewhere).
 */
import type { Tracker } from '../../tracking/tracker.js';
import { serveTrial, type TrialSend } from '../trial-process.js';

const GONE = 'the worker that ran this trial is gone; the trial is retried elsewhere';

let finishAnswer: ((ok: { ok: boolean; reason?: string }) => void) | undefined;
/** set when the worker refused this attempt's finish */
const refused: { reason?: string } = {};

/** Asks the worker whether this attempt may finish the trial (no worker: no). */
function claimFinish(runId: string, send: TrialSend): Promise<{ ok: boolean; reason?: string }> {
  if (!process.connected) return Promise.resolve({ ok: false, reason: GONE });
  return new Promise((resolve) => {
    finishAnswer = resolve;
    void send({ type: 'finishing', runId });
    process.once('disconnect', () => resolve({ ok: false, reason: GONE }));
  });
}

/** Gates the run's FINISHED on the worker's claim; a refused finish ends the run KILLED. */
function gateFinish(tracker: Tracker, runId: string, send: TrialSend): void {
  const endRun = tracker.endRun.bind(tracker);
  tracker.endRun = async (id, status, endTime) => {
    if (id !== runId || status !== 'FINISHED') return endRun(id, status, endTime);
    const claim = await claimFinish(runId, send);
    if (claim.ok) return endRun(id, status, endTime);
    refused.reason = claim.reason ?? 'another attempt finished this trial';
    await tracker.setTags(runId, { 'mmx.sweep.duplicate': 'true', 'mmx.killed_reason': refused.reason }).catch(() => undefined);
    return endRun(id, 'KILLED', endTime);
  };
}

serveTrial({
  disconnectReason: GONE,
  onRunCreated: gateFinish,
  afterRun: (result, seconds) =>
    refused.reason !== undefined
      ? { type: 'done', status: 'KILLED', runId: result.runId, duplicate: true, error: refused.reason, seconds }
      : undefined,
  onMessage: (m) => {
    if (m.type !== 'finish') return;
    finishAnswer?.({ ok: m.ok, ...(m.reason !== undefined ? { reason: m.reason } : {}) });
    finishAnswer = undefined;
  },
});
