/** Batched inference: the model's outputs for every example of a split, and the task's metrics input. */
import * as tf from '../tf.js';
import { isStreamed, type SplitData, type StreamedSplit, type TargetState } from '../data/dataset.js';
import type { ModelInput } from '../model/build.js';
import { classificationTarget, outputUnits } from '../model/heads/tasks.js';
import { gatherInputs, identityOrder, readInputs } from '../train/batches.js';
import { taskLossValue } from './task-metrics.js';

export interface Predictions {
  /**
   * n × output units, row-major: class probabilities (classification), the positive class's probability
   * (binary), one probability per label (multilabel), the standardised prediction (regression)
   */
  probabilities: Float32Array;
  /** predicted class (classification: arg max; binary: p ≥ threshold); 0 for multilabel and regression */
  predicted: Int32Array;
  /** the task's plain loss against the split's labels (rows without a label count as 0 for it) */
  loss: number;
}

/**
 * `target`: the task's target (TargetState), or a class count for classification. A streamed split is read from
 * the cache batch by batch, in order.
 */
export async function predictSplit(
  model: tf.LayersModel,
  split: SplitData | StreamedSplit,
  inputs: ModelInput[],
  target: number | TargetState,
  batchSize = 256,
): Promise<Predictions> {
  const t: TargetState = typeof target === 'number' ? { column: '', ...classificationTarget(target) } : target;
  const units = outputUnits(t);
  const n = split.labels.length;
  const order = identityOrder(n);
  const probabilities = new Float32Array(n * units);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const xs = isStreamed(split) ? readInputs(split, inputs, order.subarray(start, end)) : gatherInputs(split, inputs, order, start, end);
    const out = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start }) as tf.Tensor;
    probabilities.set(await out.data(), start * units);
    tf.dispose([...xs, out]);
  }
  const predicted = new Int32Array(n);
  if (t.task === 'classification') {
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < units; c++) if (probabilities[i * units + c]! > probabilities[i * units + best]!) best = c;
      predicted[i] = best;
    }
  } else if (t.task === 'binary') {
    const threshold = t.threshold ?? 0.5;
    for (let i = 0; i < n; i++) predicted[i] = probabilities[i]! >= threshold ? 1 : 0;
  }
  const labelled = split.labels.every((l) => l >= 0);
  const loss = labelled ? taskLossValue(t, probabilities, split.targets, split.labels) : NaN;
  return { probabilities, predicted, loss };
}
