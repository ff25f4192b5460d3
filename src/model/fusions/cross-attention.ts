/**
 * Fusion `cross_attention`: directional cross-modal transformers as in MulT (Tsai et al. 2019, "Multimodal
 * Transformer for Unaligned Multimodal Language Sequences"). Each modality's tokens (its embedding as one token,
 * or an encoder's sequence with `output: sequence`) are projected (linear) to `dim` with a learned position
 * embedding; then, for every ordered pair of modalities (target i, source j ≠ i), the target's tokens go through
 * `layers` pre-norm cross-modal blocks in which they attend to the source's tokens:
 *   z = z + Dropout(MHA(LN(z), LN(x_j)))  (queries from the target, keys and values from the source, source mask),
 *   z = z + Dropout(FF(LN(z))),
 * (dropout `attention_dropout` inside the blocks) a final layer normalisation, and `pooling` over the target's
 * real tokens. The M·(M − 1) pooled vectors are
 * concatenated, then the hidden MLP. (MulT further runs a self-attention transformer over each target's
 * concatenated pair outputs; here each pair is pooled and the pairs are combined by the hidden layers.)
 * A masked or dropped source gives its pairs no keys (the attention adds nothing); a masked target pools to 0.
 *
 * Parameters (F = ff_dim, L = layers): Σ_m (E_m + 1)·dim + Σ_{T_m > 1} T_m·dim
 *   + M(M − 1)·(L·(4(dim² + dim) + (dim + 1)·F + (F + 1)·dim + 3·2·dim) + 2·dim). Output: M(M − 1)·dim features.
 */
import type * as tf from '../../tf.js';
import { Variant } from '../../config/schema-kit.js';
import { MaskedPooling } from '../layers/masked-pooling.js';
import { layerNorm, transformerBlock } from '../layers/transformer-block.js';
import { checkHeads } from './attention.js';
import { blockOptions, preNormBlock } from './blocks.js';
import { fusionCommonOptions, hiddenCost, hiddenLayers, merge, poolingOption } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';
import { embedSequences, embedSequencesCost } from './tokens.js';

const schema = Variant(
  'cross_attention',
  {
    ...blockOptions({
      dim: 'token size (model width) of the cross-modal transformers',
      layers: 'cross-modal blocks per ordered pair of modalities',
      layersDefault: 2,
    }),
    pooling: poolingOption(['mean', 'max'] as const, 'mean'),
    ...fusionCommonOptions,
  },
  {
    title: 'cross-attention fusion (MulT)',
    description:
      "MulT-style directional cross-modal transformers: each modality's tokens attend to each other modality's tokens; every pair pooled, concatenated, then the hidden layers.",
  },
);

export const crossAttentionFusion = defineFusion<typeof schema>({
  type: 'cross_attention',
  schema,
  tokens: true,
  minModalities: 2,
  validate: (o) => checkHeads(o),
  build: ({ sequences, options, ctx }) => {
    const parts = embedSequences(sequences, options.dim, ctx);
    const block = preNormBlock(options);
    const pooled: tf.SymbolicTensor[] = [];
    for (const target of parts) {
      for (const source of parts) {
        if (source === target) continue;
        const pair = ctx.child(`${source.name}_to_${target.name}`);
        let z = target.tokens;
        for (let l = 0; l < options.layers; l++)
          z = transformerBlock(z, block, pair, { source: { tokens: source.tokens, mask: source.mask } });
        z = layerNorm(z, pair);
        pooled.push(new MaskedPooling({ mode: options.pooling, name: pair.name('pool') }).apply([z, target.mask]) as tf.SymbolicTensor);
      }
    }
    return hiddenLayers(merge('concatenate', pooled, ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const d = options.dim;
    embedSequencesCost(cost, embeddings, d);
    const block = preNormBlock(options);
    const at = { block: ['layers'], ff: options.ff_dim !== undefined ? ['ff_dim'] : ['dim'] };
    let pairs = 0;
    for (const target of embeddings) {
      for (const source of embeddings) {
        if (source === target) continue;
        for (let l = 0; l < options.layers; l++) cost.transformerBlock(at, target.tokens, d, block, { tokens: source.tokens, dim: d });
        cost.layerNorm(['layers'], d, target.tokens * d);
        cost.elementwise(['pooling'], `${options.pooling} pooling`, d);
        pairs++;
      }
    }
    return { outputDim: hiddenCost(cost, pairs * d, options), parts: cost.parts };
  },
});
