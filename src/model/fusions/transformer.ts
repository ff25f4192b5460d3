/**
 * Fusion `transformer`: a cross-modal transformer encoder. Each modality's embedding is projected (linear) to a
 * token of size `dim`, a learned modality-type embedding is added per token (and a learned [CLS] token prepended
 * with `pooling: cls`), and the tokens go through `layers` post-norm encoder blocks:
 *   x = LayerNorm(x + Dropout(MHSA(x)));  x = LayerNorm(x + Dropout(W_2 act(W_1 x + b_1) + b_2))
 * (`heads` heads, feed-forward width `ff_dim`, default 2·dim, `activation` and `dropout` from the common options),
 * then `pooling` over the tokens and the hidden MLP.
 *
 * Tokens: one per modality. An encoder that exposes a sequence (per-frame or per-patch features) would add its
 * sequence as further tokens of that modality's type; none of mmx's encoders does yet, so there are M tokens (the
 * type embeddings then act like extra projection biases; they matter once sequences arrive).
 * A masked or dropped modality enters as a learned "missing" embedding (see ModalityDropout).
 *
 * Parameters (F = ff_dim, L = layers): Σ_m (E_m + 1)·dim + M·dim [+ dim for cls]
 *   + L·(4(dim² + dim) + 2·2·dim + (dim + 1)·F + (F + 1)·dim) [+ Σ_m E_m learned missing embeddings].
 * Output: dim features (mean, max, cls) or (M [+1])·dim (concat).
 */
import * as tf from '../../tf.js';
import { LayerNorm } from '../encoders/layers.js';
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../config/schema-kit.js';
import { ModalityTypeEmbedding } from '../layers/modality-type-embedding.js';
import { MultiHeadSelfAttention } from '../layers/multi-head-attention.js';
import { checkHeads, headsOption } from './attention.js';
import {
  dense,
  dimOption,
  fusionCommonOptions,
  hiddenCost,
  hiddenLayers,
  poolingOption,
  poolTokens,
  poolTokensCost,
  projectEach,
  projectEachCost,
  stackTokens,
} from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'transformer',
  {
    dim: dimOption(64, 'token size (model width) of the transformer'),
    heads: headsOption,
    layers: Default(Type.Integer({ minimum: 1, maximum: 24, description: 'number of transformer encoder blocks' }), 2),
    ff_dim: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, description: 'width of the feed-forward sublayer; default 2·dim' })),
    pooling: poolingOption(['mean', 'max', 'concat', 'cls'] as const, 'mean'),
    ...fusionCommonOptions,
  },
  {
    title: 'transformer fusion',
    description:
      'Cross-modal transformer: one token per modality plus learned modality-type embeddings through transformer encoder blocks, then pooling and the hidden layers.',
  },
);

export const transformerFusion = defineFusion<typeof schema>({
  type: 'transformer',
  schema,
  learnedMissing: true,
  validate: (o) => checkHeads(o),
  build: ({ embeddings, options, ctx }) => {
    const d = options.dim;
    const ff = options.ff_dim ?? 2 * d;
    const tokens = stackTokens(projectEach(embeddings, d, ctx), ctx);
    let x = new ModalityTypeEmbedding({ cls: options.pooling === 'cls', seed: ctx.nextSeed(), name: ctx.name('modality_type') }).apply(
      tokens,
    ) as tf.SymbolicTensor;
    const drop = (y: tf.SymbolicTensor): tf.SymbolicTensor =>
      options.dropout > 0
        ? (tf.layers
            .dropout({ rate: options.dropout, seed: ctx.nextSeed(), name: ctx.name('block_dropout') })
            .apply(y) as tf.SymbolicTensor)
        : y;
    const addNorm = (a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor => {
      const sum = tf.layers.add({ name: ctx.name('residual') }).apply([a, b]) as tf.SymbolicTensor;
      // our LayerNorm: tfjs's layerNormalization trains ~10x slower on wasm (a slice per position in its gradient)
      return new LayerNorm({ name: ctx.name('norm') }).apply(sum) as tf.SymbolicTensor;
    };
    for (let i = 0; i < options.layers; i++) {
      const attended = new MultiHeadSelfAttention({ heads: options.heads, seed: ctx.nextSeed(), name: ctx.name('mhsa') }).apply(
        x,
      ) as tf.SymbolicTensor;
      x = addNorm(x, drop(attended));
      const inner = dense(x, ff, ctx, 'ff1', options.activation);
      x = addNorm(x, drop(dense(inner, d, ctx, 'ff2')));
    }
    return hiddenLayers(poolTokens(x, options.pooling, ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const d = options.dim;
    const ff = options.ff_dim ?? 2 * d;
    const cls = options.pooling === 'cls';
    const tokens = embeddings.length + (cls ? 1 : 0);
    projectEachCost(cost, embeddings, d);
    cost.add(['dim'], 'modality type embedding', embeddings.length * d + (cls ? d : 0), tokens * d);
    for (let i = 0; i < options.layers; i++) {
      cost.attention(['layers'], tokens, d, options.heads);
      if (options.dropout > 0) cost.elementwise(['layers'], 'dropout', tokens * d);
      cost.elementwise(['layers'], 'residual', tokens * d);
      cost.layerNorm(['layers'], d, tokens * d);
      cost.add(options.ff_dim !== undefined ? ['ff_dim'] : ['dim'], `feed-forward ${d} → ${ff}`, (d + 1) * ff, tokens * ff);
      cost.add(options.ff_dim !== undefined ? ['ff_dim'] : ['dim'], `feed-forward ${ff} → ${d}`, (ff + 1) * d, tokens * d);
      if (options.dropout > 0) cost.elementwise(['layers'], 'dropout', tokens * d);
      cost.elementwise(['layers'], 'residual', tokens * d);
      cost.layerNorm(['layers'], d, tokens * d);
    }
    return { outputDim: hiddenCost(cost, poolTokensCost(cost, options.pooling, tokens, d), options), parts: cost.parts };
  },
});
