/**
 * A sweep trial's process: started by the coordinator with `child_process.fork`, it waits for one `start`
 * message, runs the experiment with the trial's overrides (exactly as `mmx run CONFIG --set ...` would,
 * minus the `sweep:` section), reports per-epoch metrics over IPC and ends. A `stop` message (early
 * termination or Ctrl-C), SIGINT/SIGTERM, or losing the coordinator aborts the run after the current batch:
 * it ends KILLED with the reason as `mmx.killed_reason`.
 */
import { runExperiment } from '../runner/run-experiment.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { checkTrialConfig, failedTrial, finishedTrial, limitTrialThreads, trialEmitter, type EpochSeen } from './trial-report.js';

type Start = Extract<ToWorker, { type: 'start' }>;

const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });

const controller = new AbortController();
let started = false;

function abort(reason: string): void {
  if (!controller.signal.aborted) controller.abort(reason);
}

async function runTrial(m: Start): Promise<FromWorker & { type: 'done' }> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const checked = checkTrialConfig(m.file, m.overrides, m.cwd, seconds);
  if ('type' in checked) return checked;
  await limitTrialThreads();
  const restoreBest = checked.config.training.early_stopping?.restore_best === true;
  const epochs: EpochSeen[] = [];
  let runId: string | undefined;
  try {
    const result = await runExperiment(checked, {
      signal: controller.signal,
      cwd: m.cwd,
      extraTags: m.tags,
      runName: m.runName,
      onRunCreated: (_tracker, run) => {
        runId = run.runId;
        void send({ type: 'run', runId: run.runId, experimentId: run.experimentId });
      },
      emit: trialEmitter(send, epochs),
    });
    return finishedTrial(result, epochs, restoreBest, m.metric, seconds());
  } catch (err) {
    return failedTrial(err, controller.signal.aborted, runId, seconds());
  }
}

process.on('SIGINT', () => abort('interrupted (SIGINT)'));
process.on('SIGTERM', () => abort('interrupted (SIGTERM)'));
process.on('disconnect', () => {
  abort('the sweep coordinator went away');
  if (!started) process.exit(1);
});
process.on('message', (raw: unknown) => {
  const m = raw as ToWorker;
  if (m.type === 'stop') {
    abort(m.reason);
    return;
  }
  if (m.type !== 'start' || started) return;
  started = true;
  runTrial(m)
    .catch((err: unknown): FromWorker & { type: 'done' } => ({ type: 'done', status: 'FAILED', error: err instanceof Error ? (err.stack ?? err.message) : String(err), seconds: 0 }))
    .then(async (done) => {
      await send(done);
      process.disconnect?.();
      // tfjs may hold handles open; the trial is over
      setTimeout(() => process.exit(0), 20).unref();
    });
});
void send({ type: 'ready' });
