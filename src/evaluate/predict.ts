/** Batched inference: class probabilities for every example of a split, and their cross-entropy. */
import * as tf from '@tensorflow/tfjs';
import type { SplitData } from '../data/dataset.js';
import type { ModelInput } from '../model/build.js';
import { gatherInputs, identityOrder } from '../train/batches.js';

export interface Predictions {
  /** n × numClasses, row-major */
  probabilities: Float32Array;
  predicted: Int32Array;
  /** mean categorical cross-entropy against the split's labels */
  loss: number;
}

export async function predictSplit(model: tf.LayersModel, split: SplitData, inputs: ModelInput[], numClasses: number, batchSize = 256): Promise<Predictions> {
  const n = split.labels.length;
  const order = identityOrder(n);
  const probabilities = new Float32Array(n * numClasses);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const xs = gatherInputs(split, inputs, order, start, end);
    const out = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start }) as tf.Tensor;
    probabilities.set(await out.data(), start * numClasses);
    tf.dispose([...xs, out]);
  }
  const predicted = new Int32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[i * numClasses + c]! > probabilities[i * numClasses + best]!) best = c;
    predicted[i] = best;
    loss -= Math.log(Math.max(probabilities[i * numClasses + split.labels[i]!]!, 1e-7));
  }
  return { probabilities, predicted, loss: n ? loss / n : 0 };
}
