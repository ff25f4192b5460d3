/** Small building blocks the encoders share: dropout + dense projection, hidden dense stacks. */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { MmxDropout } from '../layers/dropout.js';
import type { ActivationName } from './common.js';
import type { EncodedSequence } from './registry.js';

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

/**
 * `output: sequence`: the steps [batch, steps, features] through the same [dropout →] dense(output_dim, activation)
 * projection that a pooled encoder applies to its one vector, applied to every step; the mask travels with them.
 */
export function projectSequence(
  steps: tf.SymbolicTensor,
  mask: tf.SymbolicTensor | undefined,
  o: { dropout: number; output_dim: number; activation?: ActivationName },
  ctx: LayerContext,
): EncodedSequence {
  return { sequence: project(steps, o, ctx), ...(mask ? { mask } : {}) };
}

/** A feature map [batch, a, b, channels] as a sequence: its a·b positions (`positions`) or its a rows, each row's b·channels features side by side (`rows`). */
export function mapToSequence(x: tf.SymbolicTensor, as: 'positions' | 'rows', ctx: LayerContext): tf.SymbolicTensor {
  const [, a, b, c] = x.shape as [null, number, number, number];
  const targetShape = as === 'positions' ? [a * b, c] : [a, b * c];
  return tf.layers.reshape({ targetShape, name: ctx.name('as_sequence') }).apply(x) as tf.SymbolicTensor;
}
