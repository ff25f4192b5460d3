/** Categorical encoder `onehot`: the category's one-hot vector (missing and unknown included), no weights. */
import type * as tf from '../../../tf.js';
import { Variant } from '../../../config/schema-kit.js';
import { OneHot } from '../../layers/one-hot.js';
import { defineEncoder, requireVocabSize } from '../registry.js';

const schema = Variant(
  'onehot',
  {},
  { title: 'categorical onehot encoder', description: 'One-hot vector over the training categories plus missing and unknown.' },
);

export const categoricalOnehot = defineEncoder<typeof schema>({
  modality: 'categorical',
  type: 'onehot',
  schema,
  build: ({ input, ctx, meta }) =>
    new OneHot({ depth: requireVocabSize(meta, 'categorical onehot encoder'), name: ctx.name('onehot') }).apply(input) as tf.SymbolicTensor,
  estimate: ({ vocabSize }) =>
    vocabSize === undefined
      ? undefined
      : { outputDim: vocabSize, parts: [{ path: [], what: 'one-hot', params: 0, activations: vocabSize }] },
});
