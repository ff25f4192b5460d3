/**
 * Fusion `attention`: each modality projected (linear) to a token of size `dim`; multi-head self-attention over
 * the M tokens with a residual connection (tokens + MHSA(tokens)); then `pooling` over the tokens and the hidden MLP.
 * A masked or dropped modality enters as a learned "missing" embedding (see ModalityDropout).
 *
 * Parameters: Σ_m (E_m + 1)·dim (projections) + 4(dim² + dim) (attention) [+ Σ_m E_m learned missing embeddings].
 * Output: dim features (mean, max) or M·dim (concat).
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../tf.js';
import { Default, Variant } from '../../config/schema-kit.js';
import { MultiHeadSelfAttention } from '../layers/multi-head-attention.js';
import {
  dimOption,
  fusionCommonOptions,
  hiddenLayers,
  poolingOption,
  poolTokens,
  poolTokensCost,
  projectEach,
  projectEachCost,
  hiddenCost,
  stackTokens,
  tokenPoolingNames,
} from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion, type FusionIssue } from './registry.js';

export const headsOption = Default(
  Type.Integer({ minimum: 1, maximum: 64, description: 'attention heads; dim must be divisible by heads' }),
  4,
);

export function checkHeads(o: { dim: number; heads: number }): FusionIssue[] {
  if (o.dim % o.heads === 0) return [];
  const ok = [o.heads, o.heads * 2].map((h) => Math.ceil(o.dim / h) * h);
  return [
    {
      path: ['fusion', 'heads'],
      message: `dim ${o.dim} is not divisible by ${o.heads} heads (each head gets dim / heads features)`,
      hint: `set fusion.dim to a multiple of ${o.heads} (e.g. ${ok[0]}) or choose heads among the divisors of ${o.dim}`,
    },
  ];
}

const schema = Variant(
  'attention',
  {
    dim: dimOption(128, 'size of each modality token (the projection of its embedding)'),
    heads: headsOption,
    pooling: poolingOption(tokenPoolingNames, 'mean'),
    ...fusionCommonOptions,
  },
  {
    title: 'attention fusion',
    description:
      'Each modality becomes a token of size dim; multi-head self-attention over the tokens (with a residual connection), then pooling and the hidden layers.',
  },
);

export const attentionFusion = defineFusion<typeof schema>({
  type: 'attention',
  schema,
  learnedMissing: true,
  validate: (o) => checkHeads(o),
  build: ({ embeddings, options, ctx }) => {
    const tokens = stackTokens(projectEach(embeddings, options.dim, ctx), ctx);
    const attended = new MultiHeadSelfAttention({ heads: options.heads, seed: ctx.nextSeed(), name: ctx.name('mhsa') }).apply(
      tokens,
    ) as tf.SymbolicTensor;
    const mixed = tf.layers.add({ name: ctx.name('residual') }).apply([tokens, attended]) as tf.SymbolicTensor;
    return hiddenLayers(poolTokens(mixed, options.pooling, ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const m = embeddings.length;
    const d = options.dim;
    projectEachCost(cost, embeddings, d);
    cost.elementwise(['dim'], 'tokens', m * d);
    cost.attention(['dim'], m, d, options.heads);
    cost.elementwise(['dim'], 'residual', m * d);
    return { outputDim: hiddenCost(cost, poolTokensCost(cost, options.pooling, m, d), options), parts: cost.parts };
  },
});
