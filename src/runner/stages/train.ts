/**
 * Train: the training step (in this thread, or data-parallel over the worker pool), the trainer, each epoch's
 * metrics queued on the run as they come, and a checkpoint kept after every epoch (what `--resume` continues from).
 * Training stops, as if interrupted, when a metric cannot be written: the run cannot be recorded.
 */
import type { CheckpointWriter } from '../checkpoints.js';
import { checkpointHook } from '../run-checkpoints.js';
import { createTrainStep } from '../../train/parallel/index.js';
import type { WorkerPool } from '../../train/parallel/pool.js';
import { train, type TrainResult } from '../../train/trainer.js';
import type { MetricPoint } from '../../tracking/tracker.js';
import type { BuiltRun } from './build.js';
import type { RunContext } from './context.js';
import type { RunData } from './prepare-data.js';

export interface TrainStageOptions {
  /** the run's signal and the recorder's failed writes, together */
  signal: AbortSignal;
  checkpoints: CheckpointWriter;
  pool: WorkerPool | undefined;
}

export async function trainStage(ctx: RunContext, data: RunData, model: BuiltRun, o: TrainStageOptions): Promise<TrainResult> {
  const { config, recorder } = ctx;
  const { built } = model;
  ctx.emit({ type: 'phase', phase: 'training', detail: `${config.training.epochs} epochs` });
  // runtime.workers > 1: a data-parallel step over worker threads; stopped however training ends
  const stepper = await createTrainStep(built, config.runtime.workers, {
    signal: o.signal,
    log: ctx.info,
    warn: ctx.warn,
    ...(o.pool ? { pool: o.pool } : {}),
  });
  return train(
    config,
    data,
    built,
    (e) => {
      ctx.emit(e);
      if (e.type === 'epoch_end') {
        const timestamp = Date.now();
        const points: MetricPoint[] = Object.entries(e.metrics).map(([key, value]) => ({ key, value, timestamp, step: e.epoch }));
        points.push({ key: 'samples_per_sec', value: e.samplesPerSec, timestamp, step: e.epoch });
        points.push({ key: 'epoch_seconds', value: e.seconds, timestamp, step: e.epoch });
        recorder.logMetrics(points);
      }
    },
    o.signal,
    stepper,
    undefined,
    {
      ...(model.resume ? { resume: model.resume } : {}),
      onEpochEnd: checkpointHook(o.checkpoints, built, model.optimizer, {
        configHash: ctx.hash,
        dataHash: data.dataHash,
        preprocessing: JSON.stringify(data.state),
      }),
    },
  ).finally(() => stepper.dispose());
}
