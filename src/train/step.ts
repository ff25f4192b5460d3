/**
 * One optimiser step on one batch. The trainer asks a TrainStep for it, so how the step is computed (in this
 * thread through the compiled Keras graph, or elsewhere) is not the training loop's business.
 */
import * as tf from '../tf.js';
import type { BuiltModel } from '../model/build.js';

export interface TrainStep {
  /**
   * Trains on one batch (inputs in the model's input order, targets [n, width]) and returns what
   * `LayersModel.trainOnBatch` returns for the stepped graph: the total loss, then per-output losses and
   * metrics in `metricsNames` order. Does not dispose `xs` or `ys`.
   */
  run(xs: tf.Tensor[], ys: tf.Tensor): Promise<number[]>;
  /** releases whatever the step holds (nothing for the local step) */
  dispose(): Promise<void>;
}

/** The graph the optimiser steps: the multi-output training graph (auxiliary losses) or the model itself. */
export function steppedModel(built: BuiltModel): tf.LayersModel {
  return built.training?.model ?? built.model;
}

/** The step in this thread: the compiled model's `trainOnBatch`. */
export function localStep(built: BuiltModel): TrainStep {
  const stepped = steppedModel(built);
  const multi = stepped.outputs.length > 1;
  return {
    async run(xs, ys) {
      const result = await stepped.trainOnBatch(xs.length === 1 ? xs[0]! : xs, multi ? stepped.outputs.map(() => ys) : ys);
      return Array.isArray(result) ? result : [result];
    },
    async dispose() {},
  };
}
