/** Categorical encoder `embedding`: a learned vector per category (missing and unknown have their own). */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { dropoutOption } from '../common.js';
import { dropout } from '../dense-head.js';
import { defineEncoder, requireVocabSize } from '../registry.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'embedding',
  {
    dim: Default(Type.Integer({ minimum: 1, maximum: 4096, description: "size of each category's vector (the encoder's output size)" }), 8),
    dropout: dropoutOption(0, 'dropout on the category vector'),
  },
  { title: 'categorical embedding encoder', description: 'A learned vector per category.' },
);

export const categoricalEmbedding = defineEncoder<typeof schema>({
  modality: 'categorical',
  type: 'embedding',
  schema,
  build: ({ input, options: o, ctx, meta }) => {
    const n = requireVocabSize(meta, 'categorical embedding encoder');
    let x = tf.layers
      .embedding({
        inputDim: n,
        outputDim: o.dim,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: ctx.nextSeed() }),
        name: ctx.name('embedding'),
      })
      .apply(input) as tf.SymbolicTensor;
    x = tf.layers.flatten({ name: ctx.name('flatten') }).apply(x) as tf.SymbolicTensor;
    return dropout(x, o.dropout, ctx);
  },
  estimate: ({ options: o, vocabSize }) => {
    if (vocabSize === undefined) return undefined;
    const cost = new Cost();
    cost.embedding(['dim'], vocabSize, o.dim, 1);
    if (o.dropout > 0) cost.elementwise(['dropout'], 'dropout', o.dim);
    return { outputDim: o.dim, parts: cost.parts };
  },
});
