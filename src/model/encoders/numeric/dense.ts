/** Numeric encoder `dense`: hidden dense layers over the (normalised) values, then a projection. */
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../../config/schema-kit.js';
import { ActivationOption, dropoutOption, hiddenLayersOption, outputDimOption } from '../common.js';
import { denseStack, project } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { Cost, product } from '../../size/cost.js';

const schema = Variant(
  'dense',
  {
    layers: hiddenLayersOption([32]),
    activation: Default(ActivationOption, 'relu'),
    batch_norm: Default(Type.Boolean({ description: 'batch normalisation after each hidden layer' }), false),
    dropout: dropoutOption(0, 'dropout after each hidden layer'),
    output_dim: outputDimOption(32),
  },
  { title: 'numeric dense encoder', description: 'A small multilayer perceptron over the numeric features.' },
);

export const numericDense = defineEncoder<typeof schema>({
  modality: 'numeric',
  type: 'dense',
  schema,
  build: ({ input, options: o, ctx }) =>
    project(
      denseStack(input, o.layers, o.activation, o.dropout, ctx, o.batch_norm),
      { dropout: 0, output_dim: o.output_dim, activation: o.activation },
      ctx,
    ),
  estimate: ({ featureShape, options: o }) => {
    const cost = new Cost();
    const h = cost.denseStack(['layers'], product(featureShape), o.layers, { dropout: o.dropout, batchNorm: o.batch_norm });
    return { outputDim: cost.dense(['output_dim'], h, o.output_dim), parts: cost.parts };
  },
});
