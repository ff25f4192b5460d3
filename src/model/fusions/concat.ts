/**
 * Fusion `concat`: the embeddings side by side, then the hidden MLP. With `dim`, each embedding is first projected
 * (linear) to `dim`, so every modality gets the same width in the concatenation whatever its encoder outputs.
 *
 * Parameters (embedding sizes E_m): without dim 0; with dim Σ_m (E_m + 1)·dim. Output: ΣE_m (or M·dim) features.
 */
import { Variant } from '../../config/schema-kit.js';
import { fusionCommonOptions, hiddenCost, hiddenLayers, merge, optionalDim, projectEach, projectEachCost } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'concat',
  {
    dim: optionalDim('if set, each modality embedding is first projected (linear) to this size; default: the embeddings as they are'),
    ...fusionCommonOptions,
  },
  {
    title: 'concat fusion',
    description: 'Concatenate the per-modality embeddings (optionally each projected to dim first), then apply the hidden layers.',
  },
);

export const concatFusion = defineFusion<typeof schema>({
  type: 'concat',
  schema,
  build: ({ embeddings, options, ctx }) => {
    const tensors = options.dim === undefined ? embeddings.map((e) => e.tensor) : projectEach(embeddings, options.dim, ctx);
    return hiddenLayers(merge('concatenate', tensors, ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    if (options.dim !== undefined) projectEachCost(cost, embeddings, options.dim);
    const fused = options.dim === undefined ? embeddings.reduce((s, e) => s + e.dim, 0) : embeddings.length * options.dim;
    if (embeddings.length > 1) cost.elementwise([], 'concatenate', fused);
    return { outputDim: hiddenCost(cost, fused, options), parts: cost.parts };
  },
});
