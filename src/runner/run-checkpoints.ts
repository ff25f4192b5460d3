/**
 * The run side of checkpoints and resume, for runExperiment: the trainer's epoch-end hook that captures and queues
 * a checkpoint (src/runner/checkpoints.ts), putting a resumed run's checkpoint back into the model, optimiser and
 * trainer (a resumed run's metrics are filtered by its RunRecorder: it never logs a (metric, step) twice).
 */
import * as tf from '../tf.js';
import type { BuiltModel } from '../model/build.js';
import { captureOptimizer, captureWeights, restoreOptimizer, restoreWeights } from '../train/checkpoint/capture.js';
import type { TrainHooks } from '../train/trainer-state.js';
import type { CheckpointWriter } from './checkpoints.js';
import type { ResumePlan } from './resume.js';

/** The trainer hook that keeps a checkpoint after every epoch (and the best epoch's weights). */
export function checkpointHook(
  writer: CheckpointWriter,
  built: BuiltModel,
  optimizer: tf.Optimizer,
  facts: { configHash: string; dataHash: string; preprocessing: string },
): NonNullable<TrainHooks['onEpochEnd']> {
  return async ({ state, isBest }) => {
    const weights = captureWeights(built.model);
    const slots = await captureOptimizer(optimizer, built.model);
    const base = { epoch: state.epoch, configHash: facts.configHash, dataHash: facts.dataHash, trainer: state };
    writer.save('last', { ...base, weights, optimizer: slots, preprocessing: facts.preprocessing });
    if (isBest) writer.save('best', { ...base, weights });
  };
}

/**
 * Puts the plan's checkpoint back (weights, optimiser slots) and returns what the trainer resumes from (undefined
 * when the run has no checkpoint yet: training starts from epoch 1), and a warning when restore_best cannot be
 * honoured (the best epoch's weights were not kept).
 */
export async function restoreCheckpoint(
  plan: ResumePlan,
  built: BuiltModel,
  optimizer: tf.Optimizer,
  restoreBest: boolean,
): Promise<{ resume?: NonNullable<TrainHooks['resume']>; warning?: string }> {
  const last = plan.last?.checkpoint;
  if (!last) return {};
  restoreWeights(built.model, last.weights);
  if (last.optimizer) await restoreOptimizer(optimizer, built.model, last.optimizer);
  const bestEpoch = last.trainer.bestEpoch;
  if (!restoreBest || bestEpoch === undefined) return { resume: { state: last.trainer } };
  // the best epoch is the last one (its own best checkpoint may not have been written), or the best checkpoint's
  const source = bestEpoch === last.epoch ? last : plan.best?.checkpoint.epoch === bestEpoch ? plan.best.checkpoint : undefined;
  if (!source)
    return {
      resume: { state: last.trainer },
      warning: `the best epoch's weights (epoch ${bestEpoch}) were not kept: restore_best will use a later best epoch, or the last`,
    };
  const bestWeights = source.weights.map((w) => tf.tensor(w.data, w.shape, w.dtype));
  return { resume: { state: last.trainer, bestWeights } };
}
