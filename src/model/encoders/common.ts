/** Option fragments shared by several encoder families. */
import { Type } from '@sinclair/typebox';
import { Default, Enum } from '../../config/schema-kit.js';

export const activationNames = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'swish', 'gelu', 'linear'] as const;
export type ActivationName = (typeof activationNames)[number];

export const ActivationOption = Enum(activationNames, {
  description: 'activation function',
});

export const outputNames = ['pooled', 'sequence'] as const;
export type OutputKind = (typeof outputNames)[number];

/** `output:` of every encoder with a time or space axis. */
export const outputOption = (what: string) =>
  Default(
    Enum(outputNames, {
      description: `pooled: one embedding per example; sequence: one per ${what}, with its mask, for the token fusions (attention, transformer, cross_attention, bottleneck); other fusions mean-pool it over the real steps`,
    }),
    'pooled',
  );

/** Options every convolutional encoder understands. */
export const convOptions = (defaults: { filters: number[]; kernelSize: number }, steps: string) => ({
  filters: Default(
    Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), {
      minItems: 1,
      maxItems: 12,
      description: 'number of filters of each convolutional block, in order',
    }),
    defaults.filters,
  ),
  kernel_size: Default(Type.Integer({ minimum: 1, maximum: 31, description: 'convolution kernel size' }), defaults.kernelSize),
  pooling: Default(Enum(['max', 'avg', 'none'], { description: 'pooling after each block' }), 'max'),
  pool_size: Default(Type.Integer({ minimum: 2, maximum: 8, description: 'pooling window and stride' }), 2),
  activation: Default(ActivationOption, 'relu'),
  batch_norm: Default(Type.Boolean({ description: 'batch normalisation after each convolution' }), false),
  global_pool: Default(
    Enum(['flatten', 'avg', 'max'], {
      description:
        'how the last feature map becomes a vector: flatten keeps positions; avg/max pool them away (not used with output: sequence)',
    }),
    'flatten',
  ),
  dropout: Default(Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout rate before the output projection' }), 0),
  output_dim: Default(Type.Integer({ minimum: 1, maximum: 65536, description: 'size of the embedding this encoder outputs' }), 128),
  output: outputOption(steps),
});

export const outputDimOption = (defaultValue = 128) =>
  Default(Type.Integer({ minimum: 1, maximum: 65536, description: 'size of the embedding this encoder outputs' }), defaultValue);

export const dropoutOption = (defaultValue = 0, what = 'dropout rate before the output projection') =>
  Default(Type.Number({ minimum: 0, maximum: 0.95, description: what }), defaultValue);

export const hiddenLayersOption = (defaultValue: number[], what = 'sizes of the hidden dense layers, in order') =>
  Default(Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), { maxItems: 16, description: what }), defaultValue);
