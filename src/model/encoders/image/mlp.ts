/** Image encoder `mlp`: the flattened pixels through hidden dense layers, then a projection. */
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { ActivationOption, dropoutOption, hiddenLayersOption, outputDimOption } from '../common.js';
import { denseStack, project } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { Cost, product } from '../../size/cost.js';

const schema = Variant(
  'mlp',
  {
    layers: hiddenLayersOption([256]),
    activation: Default(ActivationOption, 'relu'),
    dropout: dropoutOption(0, 'dropout after each hidden layer'),
    output_dim: outputDimOption(128),
  },
  { title: 'image mlp encoder', description: 'Flattened pixels through dense layers.' },
);

export const imageMlp = defineEncoder<typeof schema>({
  modality: 'image',
  type: 'mlp',
  schema,
  build: ({ input, options: o, ctx }) => {
    const flat = tf.layers.flatten({ name: ctx.name('flatten') }).apply(input) as tf.SymbolicTensor;
    return project(
      denseStack(flat, o.layers, o.activation, o.dropout, ctx),
      { dropout: 0, output_dim: o.output_dim, activation: o.activation },
      ctx,
    );
  },
  estimate: ({ featureShape, options: o }) => {
    const cost = new Cost();
    const flat = product(featureShape);
    const h = cost.denseStack(['layers'], flat, o.layers, o);
    return { outputDim: cost.dense(['output_dim'], h, o.output_dim), parts: cost.parts };
  },
});
