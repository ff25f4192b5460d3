/**
 * `mmx run` without the CLI: takes a checked config and does the whole run, emitting RunEvents as it goes, in
 * stages (src/runner/stages/): open the run → prepare the data → build the model → train → evaluate → publish.
 * The run's lifecycle in the store is its RunRecorder's (src/runner/recorder/): it is always ended — FINISHED,
 * FAILED (the error as tags) or KILLED (aborted through the signal), with what it had logged.
 */
import * as tf from '../tf.js';
import { startWorkerPool } from '../train/parallel/index.js';
import type { CheckedConfig } from '../experiment/semantic.js';
import { CheckpointWriter } from './checkpoints.js';
import type { RunResult } from './run-result.js';
import type { RunOptions } from './stages/context.js';
import { openRun, recordConfig } from './stages/open-run.js';
import { prepareData } from './stages/prepare-data.js';
import { buildStage } from './stages/build.js';
import { trainStage } from './stages/train.js';
import { evaluateStage } from './stages/evaluate.js';
import { publishStage } from './stages/publish.js';
import { endFailed } from './stages/end-failed.js';

export type { RunResult } from './run-result.js';
export type { RunOptions } from './stages/context.js';
export { outcomeJson, outcomeTags } from './artifacts/outcome.js';
export { configHash } from './recorder/start-tags.js';

export async function runExperiment(checked: CheckedConfig, options: RunOptions): Promise<RunResult> {
  const ctx = await openRun(checked, options);
  const { recorder, config, plan } = ctx;
  const checkpoints = new CheckpointWriter(recorder.tracker, recorder.runId, {
    ...(plan?.last ? { last: plan.last.pointer.folder } : {}),
    ...(plan?.bestPointer ? { best: plan.bestPointer.folder } : {}),
  });
  // a metric write that fails (a full disk, a store that refuses it) stops training: the run cannot be recorded
  const trainSignal = options.signal ? AbortSignal.any([options.signal, recorder.writeFailed]) : recorder.writeFailed;
  // runtime.workers > 1: the worker threads load (a second or more) while the data is prepared
  const pool = startWorkerPool(config.runtime.workers);
  // a streamed data set holds its cache files open until the run ends, however it ends
  let closeData: (() => void) | undefined;
  try {
    await recordConfig(ctx);
    const data = await prepareData(ctx, (close) => (closeData = close));
    const model = await buildStage(ctx, data);
    const trained = await trainStage(ctx, data, model, { signal: trainSignal, checkpoints, pool });
    const evaluated = await evaluateStage(ctx, data, model);
    return await publishStage(ctx, data, model, trained, evaluated, checkpoints);
  } catch (thrown) {
    throw await endFailed(ctx, thrown, checkpoints);
  } finally {
    await recorder.stopHeartbeat();
    closeData?.();
    await pool?.dispose();
    tf.disposeVariables();
  }
}
