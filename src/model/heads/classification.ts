/** Classification head: a dense layer with one unit per class and softmax (see `tasks.ts` for every task). */
import type * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { classificationTarget, taskHead } from './tasks.js';

export function classificationHead(x: tf.SymbolicTensor, numClasses: number, ctx: LayerContext): tf.SymbolicTensor {
  return taskHead(x, classificationTarget(numClasses), ctx);
}
