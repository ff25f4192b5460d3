/** Classification head: a dense layer with one unit per class and softmax. */
import * as tf from '@tensorflow/tfjs';
import type { LayerContext } from '../layers-context.js';

export function classificationHead(x: tf.SymbolicTensor, numClasses: number, ctx: LayerContext): tf.SymbolicTensor {
  return tf.layers
    .dense({ units: numClasses, activation: 'softmax', kernelInitializer: ctx.kernelInit(), name: ctx.name('softmax') })
    .apply(x) as tf.SymbolicTensor;
}
