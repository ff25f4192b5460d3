/** Options and layers every fusion method shares: the MLP after fusion. */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Default } from '../../config/schema-kit.js';
import { ActivationOption, type ActivationName } from '../encoders/common.js';
import type { LayerContext } from '../layers-context.js';

export const fusionCommonOptions = {
  hidden: Default(
    Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), {
      maxItems: 8,
      description: 'sizes of the dense layers after fusion, before the output head ([] for none)',
    }),
    [128],
  ),
  dropout: Default(Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout after each hidden layer' }), 0),
  activation: Default(ActivationOption, 'relu'),
};

type Act = Parameters<typeof tf.layers.activation>[0]['activation'];

/** Dense → activation → dropout, for each size in `hidden`. */
export function hiddenLayers(
  x: tf.SymbolicTensor,
  o: { hidden: number[]; dropout: number; activation: ActivationName },
  ctx: LayerContext,
): tf.SymbolicTensor {
  let y = x;
  for (const units of o.hidden) {
    y = tf.layers
      .dense({ units, activation: o.activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name('dense') })
      .apply(y) as tf.SymbolicTensor;
    if (o.dropout > 0) {
      y = tf.layers.dropout({ rate: o.dropout, seed: ctx.nextSeed(), name: ctx.name('dropout') }).apply(y) as tf.SymbolicTensor;
    }
  }
  return y;
}
