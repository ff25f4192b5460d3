/**
 * Fusion `attention`: one multi-head self-attention layer over the tokens of all modalities, with a residual
 * connection (tokens + MHA(tokens)), then `pooling` over the real tokens and the hidden MLP.
 * Tokens: each modality's embedding is one token, or, from an encoder with `output: sequence`, its whole sequence
 * (text tokens, audio frames, image patches); each modality's tokens are projected (linear) to `dim`, get a learned
 * position embedding (when there is more than one) and the modality's type embedding. Padding and masked or
 * dropped modalities are masked tokens: no query attends to them and pooling skips them.
 *
 * Parameters (T_m tokens of size E_m): Σ_m (E_m + 1)·dim + Σ_{T_m > 1} T_m·dim (positions) + M·dim (types)
 *   + 4(dim² + dim) (attention). Output: dim features (mean, max), ΣT_m·dim (concat) or M·dim (modality: each modality's mean).
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../tf.js';
import { Default, Variant } from '../../config/schema-kit.js';
import { ModalityTypeEmbedding } from '../layers/modality-type-embedding.js';
import { MultiHeadAttention } from '../layers/multi-head-attention.js';
import {
  dimOption,
  fusionCommonOptions,
  hiddenCost,
  hiddenLayers,
  poolingOption,
  poolTokensCost,
  projectEachCost,
  tokenPoolingNames,
} from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion, type FusionIssue } from './registry.js';
import { embedSequences, embedSequencesCost, joinSequences, poolMasked, poolMaskedCost, totalTokens } from './tokens.js';

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
    dim: dimOption(128, 'size of each token (the projection of each modality embedding or sequence step)'),
    heads: headsOption,
    pooling: poolingOption([...tokenPoolingNames, 'modality'] as const, 'mean'),
    ...fusionCommonOptions,
  },
  {
    title: 'attention fusion',
    description:
      "Multi-head self-attention (with a residual connection) over all modalities' tokens (one per modality, or an encoder's whole sequence), then pooling over the real tokens and the hidden layers.",
  },
);

export const attentionFusion = defineFusion<typeof schema>({
  type: 'attention',
  schema,
  tokens: true,
  validate: (o) => checkHeads(o),
  build: ({ sequences, options, ctx }) => {
    const parts = embedSequences(sequences, options.dim, ctx);
    const { tokens, mask, segments } = joinSequences(parts, ctx);
    const x = new ModalityTypeEmbedding({ segments, seed: ctx.nextSeed(), name: ctx.name('modality_type') }).apply(
      tokens,
    ) as tf.SymbolicTensor;
    const attended = new MultiHeadAttention({ heads: options.heads, seed: ctx.nextSeed(), name: ctx.name('mha') }).apply([
      x,
      mask,
    ]) as tf.SymbolicTensor;
    const mixed = tf.layers.add({ name: ctx.name('residual') }).apply([x, attended]) as tf.SymbolicTensor;
    const layout = { masks: parts.map((p) => p.mask), segments };
    return hiddenLayers(poolMasked(mixed, mask, options.pooling, ctx, layout), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const m = embeddings.length;
    const t = totalTokens(embeddings.map((e) => e.tokens));
    const d = options.dim;
    embedSequencesCost(cost, embeddings, d);
    cost.elementwise(['dim'], 'tokens', t * d);
    cost.add(['dim'], 'modality type embedding', m * d, t * d);
    cost.attention(['heads'], t, d, options.heads);
    cost.elementwise(['dim'], 'residual', t * d);
    return { outputDim: hiddenCost(cost, poolMaskedCost(cost, options.pooling, t, d, m), options), parts: cost.parts };
  },
});
