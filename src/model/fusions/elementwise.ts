/**
 * Shared by `sum`, `mean`, `max` and `product`: project each modality (linear) to `dim`, combine the projections
 * element-wise, then the hidden MLP. Parameters: Σ_m (E_m + 1)·dim. Output: dim features.
 */
import { Variant } from '../../config/schema-kit.js';
import { dimOption, fusionCommonOptions, hiddenCost, hiddenLayers, merge, projectEach, projectEachCost } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

export function elementwiseFusion<N extends string>(
  type: N,
  combine: 'add' | 'average' | 'maximum' | 'multiply',
  description: string,
  minModalities = 1,
) {
  const schema = Variant(type, { dim: dimOption(128), ...fusionCommonOptions }, { title: `${type} fusion`, description });
  return defineFusion<typeof schema>({
    type,
    schema,
    minModalities,
    build: ({ embeddings, options, ctx }) => hiddenLayers(merge(combine, projectEach(embeddings, options.dim, ctx), ctx), options, ctx),
    estimate: ({ embeddings, options }) => {
      const cost = new Cost();
      projectEachCost(cost, embeddings, options.dim);
      if (embeddings.length > 1) cost.elementwise([], combine, options.dim);
      return { outputDim: hiddenCost(cost, options.dim, options), parts: cost.parts };
    },
  });
}
