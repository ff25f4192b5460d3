/** Small building blocks the encoders share: dropout + dense projection, hidden dense stacks. */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { MmxDropout } from '../layers/dropout.js';
import type { ActivationName } from './common.js';

export type Act = Parameters<typeof tf.layers.activation>[0]['activation'];

/** Unit dropout (mmx's layer: a new mask every batch, one kernel), or x itself at rate 0. */
export function dropout(x: tf.SymbolicTensor, rate: number, ctx: LayerContext): tf.SymbolicTensor {
  return rate > 0 ? (new MmxDropout({ rate, seed: ctx.nextSeed(), name: ctx.name('dropout') }).apply(x) as tf.SymbolicTensor) : x;
}

export function dense(
  x: tf.SymbolicTensor,
  units: number,
  activation: ActivationName,
  ctx: LayerContext,
  part = 'dense',
): tf.SymbolicTensor {
  return tf.layers
    .dense({ units, activation: activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name(part) })
    .apply(x) as tf.SymbolicTensor;
}

/** [dropout →] dense(output_dim, activation): the last step of most encoders. */
export function project(
  x: tf.SymbolicTensor,
  o: { dropout: number; output_dim: number; activation?: ActivationName },
  ctx: LayerContext,
): tf.SymbolicTensor {
  return dense(dropout(x, o.dropout, ctx), o.output_dim, o.activation ?? 'relu', ctx, 'proj');
}

/** Hidden dense layers, each followed by dropout. */
export function denseStack(
  x: tf.SymbolicTensor,
  layers: readonly number[],
  activation: ActivationName,
  rate: number,
  ctx: LayerContext,
  batchNorm = false,
): tf.SymbolicTensor {
  let h = x;
  for (const units of layers) {
    if (batchNorm) {
      h = tf.layers
        .dense({ units, useBias: false, kernelInitializer: ctx.kernelInit(), name: ctx.name('dense') })
        .apply(h) as tf.SymbolicTensor;
      h = tf.layers.batchNormalization({ name: ctx.name('bn') }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.activation({ activation: activation as Act, name: ctx.name('act') }).apply(h) as tf.SymbolicTensor;
    } else {
      h = dense(h, units, activation, ctx);
    }
    h = dropout(h, rate, ctx);
  }
  return h;
}
