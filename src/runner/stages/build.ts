/**
 * Build: the model for the prepared inputs and target, its optimiser (with the learning-rate schedule) compiled
 * in, checked against the backend, its size recorded — and, for a resumed run, the checkpoint's weights, optimiser
 * slots and trainer state put back, with the epochs' metrics the first attempt had not written yet. Ends with the
 * run's summary (the `start` event the UI draws its header from).
 */
import type * as tf from '../../tf.js';
import { modelInputs } from '../../data/dataset.js';
import { buildModel, compileModel, type BuiltModel } from '../../model/build.js';
import type { RunSummary } from '../../core/run-events.js';
import { trainingOptimizer } from '../../train/optim/training-optimizer.js';
import { preflightTraining } from '../../train/preflight.js';
import type { TrainHooks } from '../../train/trainer-state.js';
import { restoreCheckpoint } from '../run-checkpoints.js';
import type { RunContext } from './context.js';
import type { RunData } from './prepare-data.js';

export interface BuiltRun {
  built: BuiltModel;
  optimizer: tf.Optimizer;
  /** what a resumed run's trainer continues from */
  resume: TrainHooks['resume'];
  summary: RunSummary;
}

export async function buildStage(ctx: RunContext, data: RunData): Promise<BuiltRun> {
  const { config, recorder, plan } = ctx;
  ctx.emit({ type: 'phase', phase: 'building' });
  const built = buildModel(config, modelInputs(data), data.state.target);
  const optimization = trainingOptimizer(config.training, built.model);
  compileModel(built, optimization.optimizer);
  if (optimization.decaySummary) ctx.info(optimization.decaySummary);
  preflightTraining(built, ctx.backend.name);
  const parameters = built.model.countParams();
  if (!plan) await recorder.logParams({ 'model.parameters': String(parameters) });
  let resume: TrainHooks['resume'];
  if (plan) {
    const restoreBest = config.training.early_stopping?.restore_best ?? false;
    const restored = await restoreCheckpoint(plan, built, optimization.optimizer, restoreBest);
    if (restored.warning) ctx.warn(restored.warning);
    resume = restored.resume;
    logResumed(ctx, resume);
  }
  const summary = runSummary(ctx, data, built, parameters);
  ctx.emit({ type: 'start', summary });
  return { built, optimizer: optimization.optimizer, resume, summary };
}

/** Where a resumed run continues, and the epochs the checkpoint holds whose metrics were not written yet. */
function logResumed(ctx: RunContext, resume: TrainHooks['resume']): void {
  const runId = ctx.recorder.runId;
  const from = ctx.plan?.last?.checkpoint.epoch ?? 0;
  ctx.info(
    from > 0
      ? `resuming run ${runId} after epoch ${from} (its last checkpoint)`
      : `resuming run ${runId} from the start (it has no checkpoint yet)`,
  );
  // the recorder skips the (metric, step) pairs the first attempt wrote
  ctx.recorder.logMetrics(
    (resume?.state.history ?? []).flatMap((r) => [
      ...Object.entries(r.metrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: r.epoch })),
      { key: 'samples_per_sec', value: r.samplesPerSec, timestamp: Date.now(), step: r.epoch },
      { key: 'epoch_seconds', value: r.seconds, timestamp: Date.now(), step: r.epoch },
    ]),
  );
}

function runSummary(ctx: RunContext, data: RunData, built: BuiltModel, parameters: number): RunSummary {
  const { config } = ctx;
  return {
    name: config.name,
    experiment: config.tracking.experiment,
    configPath: ctx.configDisplay,
    task: config.target.task,
    classes: data.state.target.classes,
    modalities: data.state.inputs.map((s) => ({
      name: s.name,
      modality: s.modality,
      encoder: config.inputs[s.name]!.encoder.type,
      featureShape: s.shape,
      embeddingDim: built.embeddingDims[s.name] ?? 0,
      sequenceLength: built.sequenceLengths[s.name] ?? 1,
    })),
    fusion: config.fusion.type,
    backend: ctx.backend.description,
    data: { train: data.train.labels.length, validation: data.validation.labels.length, test: data.test.labels.length },
    parameters,
    epochs: config.training.epochs,
    batchSize: config.training.batch_size,
    trackingUri: ctx.recorder.tracker.uri,
    runId: ctx.recorder.runId,
  };
}
