/**
 * Fusion `tensor`: Tensor Fusion (Zadeh et al. 2017). Each modality is projected (linear) to `dim`, a constant 1
 * is prepended, and the flattened outer product [1; z_1] ⊗ ... ⊗ [1; z_M] — (dim + 1)^M features holding every
 * unimodal, bimodal, ... M-modal interaction — goes to the hidden MLP. A masked modality (z_m = 0) leaves exactly
 * the terms without it.
 *
 * Parameters: Σ_m (E_m + 1)·dim; the first hidden layer then has ((dim + 1)^M + 1)·hidden[0].
 * The size grows as (dim + 1)^M, so validation rejects more than 2^20 fused features.
 */
import * as tf from '../../tf.js';
import { Variant } from '../../config/schema-kit.js';
import { OuterProduct } from '../layers/outer-product.js';
import { dimOption, fusionCommonOptions, hiddenCost, hiddenLayers, projectEach, projectEachCost } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

/** Most fused features tensor fusion accepts. */
export const TENSOR_FUSION_MAX_FEATURES = 2 ** 20;

const fmt = (n: number): string => n.toLocaleString('en-US');

const schema = Variant(
  'tensor',
  {
    dim: dimOption(32, 'size each modality is projected to; the fused vector has (dim + 1)^modalities features'),
    ...fusionCommonOptions,
  },
  {
    title: 'tensor fusion',
    description:
      'Tensor Fusion Network: the flattened outer product of the [1; projection] vectors of all modalities ((dim + 1)^M features), then the hidden layers.',
  },
);

export const tensorFusion = defineFusion<typeof schema>({
  type: 'tensor',
  schema,
  validate: (o, inputs) => {
    const m = inputs.length;
    const size = (o.dim + 1) ** m;
    if (size <= TENSOR_FUSION_MAX_FEATURES) return [];
    const maxDim = Math.floor(TENSOR_FUSION_MAX_FEATURES ** (1 / m) + 1e-9) - 1;
    const firstLayer =
      o.hidden[0] !== undefined ? `, and the first hidden layer alone would have ${fmt((size + 1) * o.hidden[0])} weights` : '';
    return [
      {
        path: ['fusion', 'dim'],
        message: `tensor fusion of ${m} modalities at dim ${o.dim} has (${o.dim} + 1)^${m} = ${fmt(size)} fused features, over the limit of ${fmt(TENSOR_FUSION_MAX_FEATURES)}${firstLayer}`,
        hint: `lower fusion.dim to ${maxDim} or less, or use fusion.type: low_rank_tensor (the same interactions at rank × dim cost)`,
      },
    ];
  },
  build: ({ embeddings, options, ctx }) => {
    const projected = projectEach(embeddings, options.dim, ctx);
    const fused = new OuterProduct({ name: ctx.name('outer') }).apply(projected) as tf.SymbolicTensor;
    return hiddenLayers(fused, options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    projectEachCost(cost, embeddings, options.dim);
    const size = (options.dim + 1) ** embeddings.length;
    cost.elementwise(['dim'], `outer product (${options.dim} + 1)^${embeddings.length}`, size);
    return { outputDim: hiddenCost(cost, size, options), parts: cost.parts };
  },
});
