/**
 * Fusion `low_rank_tensor`: Low-rank Multimodal Fusion (Liu et al. 2018). The tensor-fusion weight W applied to
 * [h_1; 1] ⊗ ... ⊗ [h_M; 1] is factorised into `rank` modality-specific factors, so the fused vector
 *   h = Σ_{i=1..r} λ_i · Π_m ([h_m; 1] · W_m^(i)) + b      (size dim)
 * costs Σ_m r·(E_m + 1)·dim instead of Π(E_m + 1)·dim. [h_m; 1]·W_m is a dense layer with bias (units r·dim),
 * reshaped to [r, dim]; the product over m is element-wise; λ (r) and b (dim) are the fusion weights and bias.
 *
 * Parameters: Σ_m (E_m + 1)·rank·dim + rank + dim. Output: dim features.
 */
import * as tf from '../../tf.js';
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../config/schema-kit.js';
import { RankWeightedSum } from '../layers/rank-weighted-sum.js';
import { dense, dimOption, fusionCommonOptions, hiddenCost, hiddenLayers, merge } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'low_rank_tensor',
  {
    dim: dimOption(128, 'size of the fused vector'),
    rank: Default(
      Type.Integer({ minimum: 1, maximum: 256, description: 'rank r of the factorisation (the paper finds 4 to 16 enough)' }),
      4,
    ),
    ...fusionCommonOptions,
  },
  {
    title: 'low-rank tensor fusion (LMF)',
    description:
      'Low-rank Multimodal Fusion: tensor fusion with its weight factorised into rank modality-specific factors; then the hidden layers.',
  },
);

export const lowRankTensorFusion = defineFusion<typeof schema>({
  type: 'low_rank_tensor',
  schema,
  build: ({ embeddings, options, ctx }) => {
    const { rank, dim } = options;
    const factors = embeddings.map((e) => {
      const f = dense(e.tensor, rank * dim, ctx, `${e.name}_factor`);
      return tf.layers.reshape({ targetShape: [rank, dim], name: ctx.name(`${e.name}_factors`) }).apply(f) as tf.SymbolicTensor;
    });
    const product = merge('multiply', factors, ctx);
    const fused = new RankWeightedSum({ seed: ctx.nextSeed(), name: ctx.name('rank_sum') }).apply(product) as tf.SymbolicTensor;
    return hiddenLayers(fused, options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const { rank, dim } = options;
    for (const e of embeddings) cost.dense(['rank'], e.dim, rank * dim);
    if (embeddings.length > 1) cost.elementwise(['rank'], 'product', rank * dim);
    cost.add(['dim'], 'rank-weighted sum', rank + dim, dim);
    return { outputDim: hiddenCost(cost, dim, options), parts: cost.parts };
  },
});
