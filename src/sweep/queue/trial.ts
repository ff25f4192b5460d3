/**
 * A queue trial's process (forked by `mmx worker`, one per trial): src/sweep/worker.ts's job — one `start`
 * message, the experiment run as `mmx run` would, per-epoch metrics over IPC — plus the finish claim: just
 * before the run would end FINISHED it asks the worker (`finishing`), and ends the run KILLED
 * (`mmx.sweep.duplicate=true`) when another attempt of the same trial has already finished it, or when the
 * worker is gone (a worker killed mid-trial leaves its trials to be retried elsewhere).
 */
import { runExperiment } from '../../runner/run-experiment.js';
import type { Tracker } from '../../tracking/tracker.js';
import type { FromQueueTrial, ToQueueTrial, ToWorker } from '../protocol.js';
import { checkTrialConfig, failedTrial, finishedTrial, limitTrialThreads, trialEmitter, type EpochSeen } from '../trial-report.js';

type Start = Extract<ToWorker, { type: 'start' }>;
type Done = Extract<FromQueueTrial, { type: 'done' }>;

const send = (m: FromQueueTrial): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });

const controller = new AbortController();
let started = false;
let finishAnswer: ((ok: { ok: boolean; reason?: string }) => void) | undefined;

function abort(reason: string): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

/** Asks the worker whether this attempt may finish the trial (no worker: no). */
function claimFinish(runId: string): Promise<{ ok: boolean; reason?: string }> {
  if (!process.connected) return Promise.resolve({ ok: false, reason: 'the worker that ran this trial is gone; the trial is retried elsewhere' });
  return new Promise((resolve) => {
    finishAnswer = resolve;
    void send({ type: 'finishing', runId });
    process.once('disconnect', () => resolve({ ok: false, reason: 'the worker that ran this trial is gone; the trial is retried elsewhere' }));
  });
}

/** Gates the run's FINISHED on the worker's claim; a refused finish ends the run KILLED. */
function gateFinish(tracker: Tracker, runId: string, refused: { reason?: string }): void {
  const endRun = tracker.endRun.bind(tracker);
  tracker.endRun = async (id, status, endTime) => {
    if (id !== runId || status !== 'FINISHED') return endRun(id, status, endTime);
    const claim = await claimFinish(runId);
    if (claim.ok) return endRun(id, status, endTime);
    refused.reason = claim.reason ?? 'another attempt finished this trial';
    await tracker.setTags(runId, { 'mmx.sweep.duplicate': 'true', 'mmx.killed_reason': refused.reason }).catch(() => undefined);
    return endRun(id, 'KILLED', endTime);
  };
}

async function runTrial(m: Start): Promise<Done> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const checked = checkTrialConfig(m.file, m.overrides, m.cwd, seconds);
  if ('type' in checked) return checked;
  await limitTrialThreads();
  const restoreBest = checked.config.training.early_stopping?.restore_best === true;
  const epochs: EpochSeen[] = [];
  let runId: string | undefined;
  const refused: { reason?: string } = {};
  try {
    const result = await runExperiment(checked, {
      signal: controller.signal,
      cwd: m.cwd,
      extraTags: m.tags,
      runName: m.runName,
      onRunCreated: (tracker, run) => {
        runId = run.runId;
        gateFinish(tracker, run.runId, refused);
        void send({ type: 'run', runId: run.runId, experimentId: run.experimentId });
      },
      emit: trialEmitter(send, epochs),
    });
    if (refused.reason !== undefined) return { type: 'done', status: 'KILLED', runId: result.runId, duplicate: true, error: refused.reason, seconds: seconds() };
    return finishedTrial(result, epochs, restoreBest, m.metric, seconds());
  } catch (err) {
    return failedTrial(err, controller.signal.aborted, runId, seconds());
  }
}

process.on('SIGINT', () => abort('interrupted (SIGINT)'));
process.on('SIGTERM', () => abort('interrupted (SIGTERM)'));
process.on('disconnect', () => {
  abort('the worker that ran this trial is gone; the trial is retried elsewhere');
  if (!started) process.exit(1);
});
process.on('message', (raw: unknown) => {
  const m = raw as ToQueueTrial;
  if (m.type === 'stop') {
    abort(m.reason);
    return;
  }
  if (m.type === 'finish') {
    finishAnswer?.({ ok: m.ok, ...(m.reason !== undefined ? { reason: m.reason } : {}) });
    finishAnswer = undefined;
    return;
  }
  if (m.type !== 'start' || started) return;
  started = true;
  runTrial(m)
    .catch((err: unknown): Done => ({ type: 'done', status: 'FAILED', error: err instanceof Error ? (err.stack ?? err.message) : String(err), seconds: 0 }))
    .then(async (done) => {
      await send(done);
      process.disconnect?.();
      setTimeout(() => process.exit(0), 20).unref();
    });
});
void send({ type: 'ready' });
