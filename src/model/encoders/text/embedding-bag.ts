/** Text encoder `embedding_bag`: token embeddings pooled (mean or max) over the non-PAD tokens, then a projection. */
import { Variant, Default, Enum } from '../../../config/schema-kit.js';
import { MaskedPooling } from '../../layers/masked-pooling.js';
import { project, projectSequence } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { embedTokens, prepareTextEmbedding, textEmbeddingCost, textEmbeddingOptions, textOutput } from './common.js';
import { Cost } from '../../size/cost.js';
import type * as tf from '../../../tf.js';

const schema = Variant(
  'embedding_bag',
  {
    ...textEmbeddingOptions,
    pooling: Default(
      Enum(['mean', 'max'], { description: 'how token embeddings are pooled (PAD tokens are left out); not used with output: sequence' }),
      'mean',
    ),
  },
  {
    title: 'text embedding_bag encoder',
    description: 'Bag of token embeddings: mean or max over the tokens (padding masked), then a dense projection.',
  },
);

export const textEmbeddingBag = defineEncoder<typeof schema>({
  modality: 'text',
  type: 'embedding_bag',
  schema,
  prepare: prepareTextEmbedding,
  build: ({ input, options, ctx, meta }) => {
    const emb = embedTokens(input, options, meta, ctx, false, 'text embedding_bag encoder');
    if (options.output === 'sequence') return projectSequence(emb, input, options, ctx);
    const pooled = new MaskedPooling({ mode: options.pooling, name: ctx.name('pool') }).apply([emb, input]) as tf.SymbolicTensor;
    return project(pooled, options, ctx);
  },
  estimate: ({ options, featureShape, vocabSize }) => {
    const cost = new Cost();
    const steps = featureShape[0] ?? 1;
    const dim = textEmbeddingCost(cost, options, steps, vocabSize);
    if (dim === undefined) return undefined;
    if (options.output !== 'sequence') cost.elementwise(['pooling'], `${options.pooling} pooling`, dim);
    return textOutput(cost, dim, options, steps);
  },
});
