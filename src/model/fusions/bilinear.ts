/**
 * Fusion `bilinear`: Multi-modal Factorized Bilinear pooling (MFB, Yu et al. 2017). Each modality is projected
 * (linear, with bias) to k·o features (k = `factor`, o = `dim`); the projections are multiplied element-wise,
 * sum-pooled over each group of k (the rank-k factorisation of a bilinear form per output feature), then
 * power-normalised (signed square root) and L2-normalised, as in the paper (see layers/mfb-pool.ts).
 *
 * n-ary generalisation: with M > 2 modalities all M projections are multiplied element-wise before the sum
 * pooling, i.e. a rank-k factorised M-linear (multilinear) pooling; for M = 2 this is exactly MFB.
 *
 * Parameters: Σ_m (E_m + 1)·k·o. Output: o features (unit L2 norm).
 */
import * as tf from '../../tf.js';
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../config/schema-kit.js';
import { MfbPool } from '../layers/mfb-pool.js';
import { dimOption, fusionCommonOptions, hiddenCost, hiddenLayers, merge, projectEach, projectEachCost } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'bilinear',
  {
    dim: dimOption(128, 'o: size of the pooled output'),
    factor: Default(Type.Integer({ minimum: 1, maximum: 64, description: 'k: factors summed per output feature (the paper uses 5)' }), 5),
    ...fusionCommonOptions,
  },
  {
    title: 'bilinear fusion (MFB)',
    description:
      'Factorised bilinear pooling: project each modality to factor·dim, multiply element-wise, sum-pool over factor, signed square root and L2 normalisation; then the hidden layers. More than two modalities: multilinear (all projections multiplied).',
  },
);

export const bilinearFusion = defineFusion<typeof schema>({
  type: 'bilinear',
  schema,
  minModalities: 2,
  build: ({ embeddings, options, ctx }) => {
    const projected = projectEach(embeddings, options.dim * options.factor, ctx);
    const product = merge('multiply', projected, ctx);
    const pooled = new MfbPool({ factor: options.factor, name: ctx.name('mfb_pool') }).apply(product) as tf.SymbolicTensor;
    return hiddenLayers(pooled, options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    projectEachCost(cost, embeddings, options.dim * options.factor, ['factor']);
    cost.elementwise(['factor'], 'product', options.dim * options.factor);
    cost.elementwise(['dim'], 'sum pooling, normalisation', 2 * options.dim);
    return { outputDim: hiddenCost(cost, options.dim, options), parts: cost.parts };
  },
});
