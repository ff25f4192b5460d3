/**
 * The task side of the model: how many output units, which activation, and the training loss.
 *
 * | task           | output                  | training loss (per example)                                   |
 * |----------------|-------------------------|---------------------------------------------------------------|
 * | classification | C units, softmax        | w_y · Σ_c −ỹ_c log p_c, ỹ = (1−ε)·onehot + ε/C                |
 * | binary         | 1 unit, sigmoid         | w_y · −(ỹ log p + (1−ỹ) log(1−p)), ỹ = (1−ε)·y + ε/2           |
 * | multilabel     | K units, sigmoid each   | mean over labels of the binary cross-entropy                  |
 * | regression     | 1 unit, linear          | (y−ŷ)² or Huber(δ), on the standardised target                |
 *
 * ε is `label_smoothing`, w the class weights (`class_weight`). The batch loss is the mean of the per-example
 * losses (as Keras does with `class_weight`). The loss reported for validation and test is the task's plain
 * loss — no smoothing, no weights — so that runs with different settings compare (see `evaluate/task-metrics.ts`).
 */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';

export type Task = 'classification' | 'binary' | 'multilabel' | 'regression';

/** What the head and the loss need to know; `TargetState` (the preprocessing state) fits this shape. */
export interface TaskTarget {
  task: string;
  /** classification: classes; binary: [negative, positive]; multilabel: labels; regression: [] */
  classes: string[];
  /** classification/binary: per-class loss weights (class order) */
  classWeights?: number[];
  labelSmoothing?: number;
  /** regression */
  loss?: 'mse' | 'huber';
  huberDelta?: number;
}

export const CLIP = 1e-7;

export function asTask(task: string): Task {
  if (task === 'classification' || task === 'binary' || task === 'multilabel' || task === 'regression') return task;
  throw new Error(`unknown task '${task}'`);
}

/** Number of output units of the model for a target. */
export function outputUnits(target: Pick<TaskTarget, 'task' | 'classes'>): number {
  switch (asTask(target.task)) {
    case 'classification':
    case 'multilabel':
      return target.classes.length;
    case 'binary':
    case 'regression':
      return 1;
  }
}

/** The classification target used when a caller gives only a class count (tests, older callers). */
export function classificationTarget(numClasses: number): TaskTarget {
  return { task: 'classification', classes: Array.from({ length: numClasses }, (_, i) => String(i)) };
}

/** The output layer: softmax over classes, a sigmoid per label (binary: one), or one linear unit. */
export function taskHead(x: tf.SymbolicTensor, target: Pick<TaskTarget, 'task' | 'classes'>, ctx: LayerContext): tf.SymbolicTensor {
  const task = asTask(target.task);
  const units = outputUnits(target);
  const activation = task === 'classification' ? 'softmax' : task === 'regression' ? 'linear' : 'sigmoid';
  // 'softmax' keeps the layer names of models saved before the other tasks existed
  return tf.layers
    .dense({ units, activation, kernelInitializer: ctx.kernelInit(), name: ctx.name(activation) })
    .apply(x) as tf.SymbolicTensor;
}

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * The training loss of a task as a tfjs loss function: per-example values [batch] (tfjs averages them).
 * `yTrue` is what `gatherTargets` gives: one-hot (classification), 0/1 (binary, multilabel), the standardised
 * value (regression).
 */
export function taskLoss(target: TaskTarget): LossFn {
  const task = asTask(target.task);
  const eps = target.labelSmoothing ?? 0;
  const weights = target.classWeights;
  switch (task) {
    case 'classification': {
      const c = target.classes.length;
      return (yTrue, yPred) =>
        tf.tidy(() => {
          const y = eps > 0 ? tf.add(tf.mul(yTrue, 1 - eps), eps / c) : yTrue;
          const ce = tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(yPred, CLIP, 1 - CLIP))), -1));
          if (!weights) return ce;
          const w = tf.sum(tf.mul(yTrue, tf.tensor1d(weights)), -1);
          return tf.mul(ce, w);
        });
    }
    case 'binary':
    case 'multilabel':
      return (yTrue, yPred) =>
        tf.tidy(() => {
          const y = task === 'binary' && eps > 0 ? tf.add(tf.mul(yTrue, 1 - eps), eps / 2) : yTrue;
          const p = tf.clipByValue(yPred, CLIP, 1 - CLIP);
          const bce = tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))), -1));
          if (task !== 'binary' || !weights) return bce;
          // weights = [negative, positive]
          const w = tf.add(tf.mul(tf.sub(1, tf.sum(yTrue, -1)), weights[0]!), tf.mul(tf.sum(yTrue, -1), weights[1]!));
          return tf.mul(bce, w);
        });
    case 'regression': {
      const delta = target.huberDelta ?? 1;
      if (target.loss === 'huber') {
        return (yTrue, yPred) =>
          tf.tidy(() => {
            const a = tf.abs(tf.sub(yPred, yTrue));
            const quad = tf.minimum(a, delta);
            // 0.5·q² + δ·(|e| − q): quadratic inside δ, linear outside
            return tf.mean(tf.add(tf.mul(0.5, tf.square(quad)), tf.mul(delta, tf.sub(a, quad))), -1);
          });
      }
      return (yTrue, yPred) => tf.tidy(() => tf.mean(tf.square(tf.sub(yPred, yTrue)), -1));
    }
  }
}

/** The accuracy tfjs reports during training, or none (regression). */
export function taskTrainMetric(target: Pick<TaskTarget, 'task'>): LossFn | undefined {
  switch (asTask(target.task)) {
    case 'classification':
      return tf.metrics.categoricalAccuracy;
    case 'binary':
      return tf.metrics.binaryAccuracy;
    case 'multilabel':
    case 'regression':
      return undefined;
  }
}
