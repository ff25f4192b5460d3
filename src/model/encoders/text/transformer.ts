/**
 * Text encoder `transformer`: token + learned position embeddings, `layers` post-norm encoder blocks
 * (multi-head self-attention with a PAD key mask, feed-forward; residuals and layer normalisation), mean over the
 * non-PAD tokens, projection.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { dense, dropout, project } from '../dense-head.js';
import { LayerNorm, MaskedPooling, MaskedSelfAttention, PositionEmbedding } from '../layers.js';
import { EncoderBuildError, defineEncoder } from '../registry.js';
import { DEFAULT_EMBEDDING_DIM, embedTokens, prepareTextEmbedding, textEmbeddingCost, textEmbeddingOptions } from './common.js';
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
    for (let l = 0; l < o.layers; l++) {
      const att = new MaskedSelfAttention({ heads: o.heads, seed: ctx.nextSeed(), name: ctx.name('mhsa') }).apply([
        x,
        input,
      ]) as tf.SymbolicTensor;
      x = tf.layers.add({ name: ctx.name('res') }).apply([x, dropout(att, o.attention_dropout, ctx)]) as tf.SymbolicTensor;
      x = new LayerNorm({ name: ctx.name('ln') }).apply(x) as tf.SymbolicTensor;
      const ff = dense(dense(x, o.ff_dim, 'relu', ctx, 'ff'), dim, 'linear', ctx, 'ff');
      x = tf.layers.add({ name: ctx.name('res') }).apply([x, dropout(ff, o.attention_dropout, ctx)]) as tf.SymbolicTensor;
      x = new LayerNorm({ name: ctx.name('ln') }).apply(x) as tf.SymbolicTensor;
    }
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
    for (let l = 0; l < o.layers; l++) {
      const at = ['layers'];
      cost.attention(at, steps, d, o.heads);
      if (o.attention_dropout > 0) cost.elementwise(at, 'dropout', size);
      cost.elementwise(at, 'residual', size);
      cost.layerNorm(at, d, size);
      cost.add(['ff_dim'], `feed-forward ${d} → ${o.ff_dim}`, (d + 1) * o.ff_dim, steps * o.ff_dim);
      cost.add(['ff_dim'], `feed-forward ${o.ff_dim} → ${d}`, (o.ff_dim + 1) * d, size);
      if (o.attention_dropout > 0) cost.elementwise(at, 'dropout', size);
      cost.elementwise(at, 'residual', size);
      cost.layerNorm(at, d, size);
    }
    cost.elementwise([], 'mean pooling', d);
    return { outputDim: cost.project(d, o), parts: cost.parts };
  },
});
