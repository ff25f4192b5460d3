/**
 * Text encoder `transformer`: token + learned position embeddings, `layers` post-norm encoder blocks
 * (multi-head self-attention with a PAD key mask, feed-forward; residuals and layer normalisation), mean over the
 * non-PAD tokens, projection; with `output: sequence`, every token's state, projected, with the PAD mask.
 */
import { Type } from '@sinclair/typebox';
import type * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { MaskedPooling } from '../../layers/masked-pooling.js';
import { PositionEmbedding } from '../../layers/position-embedding.js';
import { transformerBlock } from '../../layers/transformer-block.js';
import { project, projectSequence } from '../dense-head.js';
import { EncoderBuildError, defineEncoder } from '../registry.js';
import { DEFAULT_EMBEDDING_DIM, embedTokens, prepareTextEmbedding, textEmbeddingCost, textEmbeddingOptions, textOutput } from './common.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'transformer',
  {
    ...textEmbeddingOptions,
    heads: Default(Type.Integer({ minimum: 1, maximum: 64, description: 'attention heads (they must divide the embedding size)' }), 4),
    layers: Default(Type.Integer({ minimum: 1, maximum: 12, description: 'encoder blocks' }), 2),
    ff_dim: Default(Type.Integer({ minimum: 1, maximum: 16384, description: "hidden size of each block's feed-forward layer" }), 128),
    attention_dropout: Default(
      Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout after attention and feed-forward, inside the blocks' }),
      0.1,
    ),
  },
  {
    title: 'text transformer encoder',
    description: 'A small transformer encoder: position embeddings, self-attention blocks (PAD masked), mean pooling, projection.',
  },
);

export const textTransformer = defineEncoder<typeof schema>({
  modality: 'text',
  type: 'transformer',
  schema,
  prepare: prepareTextEmbedding,
  build: ({ input, options: o, ctx, meta }) => {
    const dim = meta?.embeddings?.dim ?? o.embedding_dim ?? DEFAULT_EMBEDDING_DIM;
    if (dim % o.heads !== 0)
      throw new EncoderBuildError(`text transformer encoder: the embedding size ${dim} is not divisible by heads (${o.heads})`);
    let x = embedTokens(input, o, meta, ctx, false, 'text transformer encoder');
    x = new PositionEmbedding({ seed: ctx.nextSeed(), name: ctx.name('pos') }).apply(x) as tf.SymbolicTensor;
    const block = { heads: o.heads, ffDim: o.ff_dim, activation: 'relu', dropout: o.attention_dropout, norm: 'post' } as const;
    // the token ids are the key mask (PAD is 0)
    for (let l = 0; l < o.layers; l++) x = transformerBlock(x, block, ctx, { mask: input });
    if (o.output === 'sequence') return projectSequence(x, input, o, ctx);
    const pooled = new MaskedPooling({ mode: 'mean', name: ctx.name('pool') }).apply([x, input]) as tf.SymbolicTensor;
    return project(pooled, o, ctx);
  },
  estimate: ({ options: o, featureShape, vocabSize }) => {
    const cost = new Cost();
    const steps = featureShape[0] ?? 1;
    const d = textEmbeddingCost(cost, o, steps, vocabSize);
    if (d === undefined) return undefined;
    const size = steps * d;
    cost.add(['embedding_dim'], 'position embedding', size, size);
    const block = { heads: o.heads, ffDim: o.ff_dim, dropout: o.attention_dropout, norm: 'post' } as const;
    for (let l = 0; l < o.layers; l++) cost.transformerBlock({ block: ['layers'], ff: ['ff_dim'] }, steps, d, block);
    if (o.output !== 'sequence') cost.elementwise([], 'mean pooling', d);
    return textOutput(cost, d, o, steps);
  },
  check: (o) => {
    const dim = o.embedding_dim ?? (o.pretrained ? undefined : DEFAULT_EMBEDDING_DIM);
    if (dim === undefined || dim % o.heads === 0) return [];
    return [
      {
        path: ['heads'],
        message: `the embedding size ${dim} is not divisible by ${o.heads} heads (each head gets embedding_dim / heads features)`,
        hint: `choose heads among the divisors of ${dim}, or set embedding_dim to a multiple of ${o.heads}`,
      },
    ];
  },
});
