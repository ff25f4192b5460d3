/**
 * Fusion `transformer`: a cross-modal transformer encoder over the tokens of all modalities, one sequence after
 * the other. Each modality brings one token (its embedding) or, from an encoder with `output: sequence`, its whole
 * sequence (text tokens, audio frames, image patches); every token is projected (linear) to `dim` and gets a
 * learned position embedding within its modality (when it has more than one) and its modality's type embedding;
 * a learned [CLS] token is prepended with `pooling: cls`. Then `layers` pre-norm encoder blocks (as ViT; they
 * train more steadily than post-norm ones without a warm-up):
 *   x = x + Dropout(MHA(LayerNorm(x))),  x = x + Dropout(W_2 act(W_1 LayerNorm(x) + b_1) + b_2)
 * (`heads` heads with the token mask, feed-forward width `ff_dim`, default 2·dim, `activation` from the common
 * options, `attention_dropout`), a final layer normalisation, then `pooling` over the real tokens (default
 * `modality`: each modality's mean, side by side, which trained better than one mean over all tokens on AV-MNIST)
 * and the hidden MLP. Padding and masked or dropped modalities are masked tokens: no query attends to them and pooling skips them.
 *
 * Parameters (F = ff_dim, L = layers, T_m tokens of size E_m): Σ_m (E_m + 1)·dim + Σ_{T_m > 1} T_m·dim + M·dim
 *   [+ dim for cls] + L·(4(dim² + dim) + 2·2·dim + (dim + 1)·F + (F + 1)·dim) + 2·dim.
 * Output: dim features (mean, max, cls), ΣT_m·dim (concat) or M·dim (modality: each modality's mean).
 */
import type * as tf from '../../tf.js';
import { Variant } from '../../config/schema-kit.js';
import { MaskPad } from '../layers/mask-pad.js';
import { ModalityTypeEmbedding } from '../layers/modality-type-embedding.js';
import { layerNorm, transformerBlock } from '../layers/transformer-block.js';
import { checkHeads } from './attention.js';
import { blockOptions, preNormBlock } from './blocks.js';
import { fusionCommonOptions, hiddenCost, hiddenLayers, poolingOption } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';
import { embedSequences, embedSequencesCost, joinSequences, poolMasked, poolMaskedCost, totalTokens } from './tokens.js';

const schema = Variant(
  'transformer',
  {
    ...blockOptions({
      dim: 'token size (model width) of the transformer',
      layers: 'number of transformer encoder blocks',
      layersDefault: 2,
    }),
    pooling: poolingOption(['mean', 'max', 'concat', 'cls', 'modality'] as const, 'modality'),
    ...fusionCommonOptions,
  },
  {
    title: 'transformer fusion',
    description:
      "Cross-modal transformer over all modalities' tokens (one per modality, or an encoder's whole sequence) with position and modality-type embeddings, then pooling over the real tokens and the hidden layers.",
  },
);

export const transformerFusion = defineFusion<typeof schema>({
  type: 'transformer',
  schema,
  tokens: true,
  validate: (o) => checkHeads(o),
  build: ({ sequences, options, ctx }) => {
    const cls = options.pooling === 'cls';
    const parts = embedSequences(sequences, options.dim, ctx);
    const { tokens, mask, segments } = joinSequences(parts, ctx);
    let x = new ModalityTypeEmbedding({ cls, segments, seed: ctx.nextSeed(), name: ctx.name('modality_type') }).apply(
      tokens,
    ) as tf.SymbolicTensor;
    const m = cls ? (new MaskPad({ before: 1, name: ctx.name('cls_mask') }).apply(mask) as tf.SymbolicTensor) : mask;
    const block = preNormBlock(options);
    for (let i = 0; i < options.layers; i++) x = transformerBlock(x, block, ctx, { mask: m });
    const layout = { masks: parts.map((p) => p.mask), segments };
    return hiddenLayers(poolMasked(layerNorm(x, ctx), m, options.pooling, ctx, layout), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const d = options.dim;
    const m = embeddings.length;
    const cls = options.pooling === 'cls';
    const t = totalTokens(embeddings.map((e) => e.tokens)) + (cls ? 1 : 0);
    embedSequencesCost(cost, embeddings, d);
    cost.add(['dim'], 'modality type embedding', m * d + (cls ? d : 0), t * d);
    const block = preNormBlock(options);
    const at = { block: ['layers'], ff: options.ff_dim !== undefined ? ['ff_dim'] : ['dim'] };
    for (let i = 0; i < options.layers; i++) cost.transformerBlock(at, t, d, block);
    cost.layerNorm(['layers'], d, t * d);
    return { outputDim: hiddenCost(cost, poolMaskedCost(cost, options.pooling, t, d, m), options), parts: cost.parts };
  },
});
