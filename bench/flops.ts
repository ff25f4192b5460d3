/**
 * FLOPs of a model's convolutions and matrix products (the roofline's numerator, issue 16 item 2): per sample, for
 * inference (forward) and for a training step (forward, the weight gradients, and the input gradients of every
 * layer whose input is not a model input). Element-wise work (bias, activations, pooling, the optimiser) is not
 * counted: it is memory-bound, and small beside these.
 */
import * as tf from '@tensorflow/tfjs';

export interface ModelFlops {
  /** forward FLOPs per sample */
  forward: number;
  /** forward + backward FLOPs per sample */
  train: number;
  /** per counted layer: class, forward FLOPs per sample */
  layers: { name: string; className: string; forward: number }[];
  /** layers with weights that were not counted (their class is unknown here) */
  skipped: string[];
}

const dims = (shape: tf.Shape): number => shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);

function inputIsData(layer: tf.layers.Layer): boolean {
  const node = layer.inboundNodes[0];
  return node !== undefined && node.inboundLayers.every((l) => l.getClassName() === 'InputLayer');
}

/** Forward multiply-add count ×2 of one layer for one sample, or undefined for a class not counted here. */
function layerForward(layer: tf.layers.Layer): number | undefined {
  const cls = layer.getClassName();
  const out = layer.outputShape as tf.Shape;
  const weights = layer.getWeights();
  const kernel = weights[0];
  if (cls === 'Conv1D' || cls === 'Conv2D') {
    if (!kernel) return 0;
    const [, , inC, outC] = kernel.shape.length === 4 ? kernel.shape : [1, ...kernel.shape];
    const taps = kernel.size / ((inC ?? 1) * (outC ?? 1));
    return 2 * (dims(out) / (outC ?? 1)) * (outC ?? 1) * taps * (inC ?? 1);
  }
  if (cls === 'Dense') {
    if (!kernel) return 0;
    const rows = dims(out) / kernel.shape[1]!;
    return 2 * rows * kernel.size;
  }
  if (cls === 'MmxLSTM' || cls === 'LSTM' || cls === 'MmxGRU' || cls === 'GRU') {
    // per time step: x·W (input × gates) and h·U (units × gates)
    const input0 = Array.isArray(layer.input) ? layer.input[0] : layer.input;
    const steps = input0?.shape[1] ?? 1;
    const input = layer.getWeights()[0]?.size ?? 0;
    const recurrent = layer.getWeights()[1]?.size ?? 0;
    return 2 * steps * (input + recurrent);
  }
  return weights.length === 0 ? 0 : undefined;
}

/** Counts a LayersModel (nested models flattened). */
export function modelFlops(model: tf.LayersModel): ModelFlops {
  const result: ModelFlops = { forward: 0, train: 0, layers: [], skipped: [] };
  const visit = (m: tf.LayersModel): void => {
    for (const layer of m.layers) {
      if (layer instanceof tf.LayersModel) {
        visit(layer);
        continue;
      }
      const f = layerForward(layer);
      if (f === undefined) {
        result.skipped.push(`${layer.name} (${layer.getClassName()})`);
        continue;
      }
      if (f === 0) continue;
      result.layers.push({ name: layer.name, className: layer.getClassName(), forward: f });
      result.forward += f;
      // weight gradient: as many FLOPs as the forward pass; input gradient: the same again unless the input is data
      result.train += f + f + (inputIsData(layer) ? 0 : f);
    }
  };
  visit(model);
  return result;
}
