/**
 * How a run that did not finish is recorded: KILLED when it was stopped (the signal, Ctrl-C), FAILED otherwise —
 * with the error that stopped training when a metric could not be written — after the queued metrics and
 * checkpoints (what a resume continues from), with the reason as tags and the `end` event. Returns the error to
 * rethrow.
 */
import { TrainingAborted } from '../../train/trainer.js';
import type { CheckpointWriter } from '../checkpoints.js';
import type { RunContext } from './context.js';
import { flushCheckpoints } from './publish.js';

export async function endFailed(ctx: RunContext, thrown: unknown, checkpoints: CheckpointWriter): Promise<unknown> {
  const { recorder } = ctx;
  const signal = ctx.options.signal;
  // training stopped because a metric could not be written: that write's error is the run's
  const err = thrown instanceof TrainingAborted && recorder.writeFailed.aborted && !signal?.aborted ? recorder.metricWriteError : thrown;
  const killed = err instanceof TrainingAborted || signal?.aborted === true;
  const status = killed ? 'KILLED' : 'FAILED';
  // the checkpoints queued so far are what a resume continues from
  await flushCheckpoints(ctx, checkpoints);
  const message = err instanceof Error ? err.message : String(err);
  // each step on its own: a tag that cannot be written (a full disk) must not keep the status from being
  await recorder.end(
    status,
    killed ? { killedReason: typeof signal?.reason === 'string' ? signal.reason : 'interrupted (SIGINT)' } : { error: err },
    ctx.warn,
  );
  const info = await recorder.info().catch(() => recorder.run);
  ctx.emit({
    type: 'end',
    status,
    runId: recorder.runId,
    experimentId: ctx.experimentId,
    artifactDir: info.artifactDir ?? info.artifactUri,
    trackingUri: recorder.tracker.uri,
    seconds: (performance.now() - ctx.t0) / 1000,
    error: message,
  });
  return err;
}
