/** Numeric encoder `passthrough`: the normalised values themselves are the embedding (no weights). */
import * as tf from '../../../tf.js';
import { Variant } from '../../../config/schema-kit.js';
import { defineEncoder } from '../registry.js';
import { product } from '../../size/cost.js';

const schema = Variant(
  'passthrough',
  {},
  { title: 'numeric passthrough encoder', description: 'The normalised values go to the fusion as they are.' },
);

export const numericPassthrough = defineEncoder<typeof schema>({
  modality: 'numeric',
  type: 'passthrough',
  schema,
  build: ({ input, ctx }) => tf.layers.activation({ activation: 'linear', name: ctx.name('identity') }).apply(input) as tf.SymbolicTensor,
  estimate: ({ featureShape }) => ({ outputDim: product(featureShape), parts: [] }),
});
