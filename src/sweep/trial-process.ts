/**
 * The loop of a trial's process, local worker (src/sweep/worker.ts) or queue trial (src/sweep/queue/trial.ts):
 * say `ready`, wait for one `start` message, run the experiment with the trial's overrides (as `mmx run CONFIG
 * --set ...` would, minus the `sweep:` section) reporting phases and per-epoch metrics over IPC, send one `done`
 * and end. A `stop` message, SIGINT/SIGTERM/SIGHUP, or losing the parent aborts the run after the current batch: it
 * ends KILLED with the reason as `mmx.killed_reason`. The hooks are what the queue trial adds (its finish claim).
 */
import { rememberSecret } from '../config/secrets.js';
import { runExperiment, type RunResult } from '../runner/run-experiment.js';
import type { Tracker } from '../tracking/tracker.js';
import type { FromQueueTrial, ToQueueTrial } from './protocol.js';
import { checkTrialConfig, failedTrial, finishedTrial, limitTrialThreads, trialEmitter, type EpochSeen } from './trial-report.js';

type Start = Extract<ToQueueTrial, { type: 'start' }>;
export type TrialDone = Extract<FromQueueTrial, { type: 'done' }>;
export type TrialSend = (m: FromQueueTrial) => Promise<void>;

export interface TrialProcessHooks {
  /** why the run stops when the parent process goes away */
  disconnectReason: string;
  /** the trial's run exists (the queue trial gates its FINISHED here) */
  onRunCreated?: (tracker: Tracker, runId: string, send: TrialSend) => void;
  /** replaces the `done` of a run that returned normally (the queue trial: a refused finish is KILLED) */
  afterRun?: (result: RunResult, seconds: number) => TrialDone | undefined;
  /** a message other than start/stop */
  onMessage?: (m: ToQueueTrial) => void;
}

export function serveTrial(hooks: TrialProcessHooks): void {
  const send: TrialSend = (m) =>
    new Promise((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(m, undefined, {}, () => resolve());
    });
  const controller = new AbortController();
  let started = false;
  const abort = (reason: string): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };

  const runTrial = async (m: Start): Promise<TrialDone> => {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    for (const secret of m.secrets ?? []) rememberSecret(secret);
    const checked = checkTrialConfig(m.file, m.overrides, m.cwd, seconds);
    if ('type' in checked) return checked;
    await limitTrialThreads();
    const epochs: EpochSeen[] = [];
    let runId: string | undefined;
    try {
      const result = await runExperiment(checked, {
        signal: controller.signal,
        extraTags: m.tags,
        runName: m.runName,
        onRunCreated: (tracker, run) => {
          runId = run.runId;
          hooks.onRunCreated?.(tracker, run.runId, send);
          void send({ type: 'run', runId: run.runId, experimentId: run.experimentId });
        },
        emit: trialEmitter(send, epochs),
      });
      return hooks.afterRun?.(result, seconds()) ?? finishedTrial(result, epochs, m.metric, seconds());
    } catch (err) {
      return failedTrial(err, controller.signal.aborted, runId, seconds());
    }
  };

  // a closed terminal sends SIGHUP to the whole process group: trials too
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => abort(`interrupted (${signal})`));
  process.on('disconnect', () => {
    abort(hooks.disconnectReason);
    if (!started) process.exit(1);
  });
  process.on('message', (raw: unknown) => {
    const m = raw as ToQueueTrial;
    if (m.type === 'stop') {
      abort(m.reason);
      return;
    }
    if (m.type !== 'start') {
      hooks.onMessage?.(m);
      return;
    }
    if (started) return;
    started = true;
    runTrial(m)
      .catch(
        (err: unknown): TrialDone => ({
          type: 'done',
          status: 'FAILED',
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          seconds: 0,
        }),
      )
      .then(async (done) => {
        await send(done);
        process.disconnect?.();
        // tfjs may hold handles open; the trial is over
        setTimeout(() => process.exit(0), 20).unref();
      });
  });
  void send({ type: 'ready' });
}
