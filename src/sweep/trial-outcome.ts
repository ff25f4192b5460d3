/**
 * How a trial ended, once its process has exited: its record's status from what the worker said (`done`) or did
 * not say (a crash, a kill after a stop), and its run in the store — ended when the worker could not end it, tagged
 * when pruned, created when the trial never got as far as a run (so MLflow shows every trial).
 */
import type { Tracker } from '../tracking/tracker.js';
import type { FromWorker } from './protocol.js';
import type { TrialRecord } from './records.js';
import { showValue } from '../search/space.js';

export type TrialDone = FromWorker & { type: 'done' };

export interface TrialExit {
  /** what the worker reported last, if it reported an end */
  done: TrialDone | undefined;
  /** why it was told to stop, if it was */
  stopSent: string | undefined;
  /** the end of its stderr */
  stderrTail: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Sets the record's status, value, error and timing from the trial's exit. */
export function settleTrial(r: TrialRecord, exit: TrialExit, perEpochMetric: boolean): void {
  const { done, stopSent } = exit;
  r.endTime = Date.now();
  r.seconds = done?.seconds ?? (r.endTime - (r.startTime ?? r.endTime)) / 1000;
  if (done?.runId) r.runId = done.runId;
  const lastValue = r.history[r.history.length - 1];
  if (!done && stopSent) {
    // told to stop and killed when it did not in time
    r.status = 'KILLED';
    if (!r.pruned) r.reason = stopSent;
    if (r.pruned && perEpochMetric && lastValue !== undefined) r.value = lastValue;
  } else if (!done) {
    // the worker died without a word: a crash or the OOM killer
    r.status = 'FAILED';
    r.pruned = false;
    const how = exit.signal
      ? `was killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
      : `exited with code ${exit.code}`;
    const tail = exit.stderrTail.trim().split('\n').slice(-3).join(' | ');
    r.error = `the trial's worker process ${how}${tail ? `: ${tail}` : ''}`;
  } else if (done.status === 'FINISHED') {
    r.status = 'FINISHED';
    r.pruned = false;
    delete r.reason;
    if (done.value !== undefined) r.value = done.value;
    if (done.test) r.test = done.test;
  } else if (done.status === 'KILLED') {
    r.status = 'KILLED';
    // the sweep metric at the epoch it was stopped
    if (r.pruned && perEpochMetric && lastValue !== undefined) r.value = lastValue;
    if (!r.pruned) r.reason = stopSent ?? 'interrupted';
  } else {
    r.status = 'FAILED';
    r.pruned = false;
    r.error = done.error ?? 'failed';
  }
}

export interface TrialRunContext {
  tracker: Tracker;
  experimentId: string;
  /** `<name>-trial-N` */
  runName: (trial: number) => string;
  /** the tags that tie a trial's run to the sweep */
  trialTags: (r: TrialRecord) => Record<string, string>;
}

/** Brings the trial's run in the store in line with its record. */
export async function recordTrialRun(ctx: TrialRunContext, r: TrialRecord, exit: Pick<TrialExit, 'done' | 'stopSent'>): Promise<void> {
  const { tracker } = ctx;
  if (r.runId) {
    if (r.status === 'FAILED' && !exit.done) {
      await tracker.setTags(r.runId, { 'mmx.error': r.error!.slice(0, 5000), 'mmx.error_type': 'WorkerExit' });
      await tracker.endRun(r.runId, 'FAILED');
    } else if (r.status === 'KILLED' && exit.done === undefined) {
      await tracker.setTags(r.runId, { 'mmx.killed_reason': exit.stopSent ?? 'killed' });
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
    const run0 = await tracker.createRun(ctx.experimentId, { runName: ctx.runName(r.number), tags: ctx.trialTags(r) });
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
}
