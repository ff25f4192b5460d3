/**
 * Fusion `bottleneck`: attention bottleneck fusion (Nagrani et al. 2021, "Attention Bottlenecks for Multimodal
 * Fusion"). Each modality's tokens (its embedding as one token, or an encoder's sequence with `output: sequence`)
 * are projected (linear) to `dim` with a learned position embedding. `n_bottleneck` learned latent tokens z are
 * shared by all modalities, and cross-modal information flows only through them: in each of `layers` fusion
 * layers, every modality m runs its own pre-norm transformer block over [its tokens; z], and the bottleneck's
 * next value is the average of the modalities' updates of z:
 *   [x_m; ẑ_m] = Block_m([x_m; z])  for each m,   z = mean over the modalities present of ẑ_m
 * (pre-norm blocks, `attention_dropout` inside them).
 * Then a final layer normalisation per modality, `pooling` over each modality's real tokens and the mean of the
 * bottleneck tokens, concatenated: M·dim + dim features, then the hidden MLP. Attention costs Σ_m (T_m + B)²
 * per layer instead of (Σ_m T_m)². A masked or dropped modality's tokens are masked, its update of z is left out
 * of the average, and it pools to 0.
 *
 * Parameters (F = ff_dim, L = layers, B = n_bottleneck): Σ_m (E_m + 1)·dim + Σ_{T_m > 1} T_m·dim + B·dim
 *   + M·L·(4(dim² + dim) + (dim + 1)·F + (F + 1)·dim + 2·2·dim) + (M + 1)·2·dim. Output: (M + 1)·dim features.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../tf.js';
import { Default, Variant } from '../../config/schema-kit.js';
import { BottleneckMerge } from '../layers/bottleneck-merge.js';
import { LatentTokens } from '../layers/latent-tokens.js';
import { MaskPad } from '../layers/mask-pad.js';
import { MaskedPooling } from '../layers/masked-pooling.js';
import { TokenSlice } from '../layers/token-slice.js';
import { layerNorm, transformerBlock } from '../layers/transformer-block.js';
import { checkHeads } from './attention.js';
import { blockOptions, preNormBlock } from './blocks.js';
import { fusionCommonOptions, hiddenCost, hiddenLayers, merge, poolingOption } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';
import { embedSequences, embedSequencesCost } from './tokens.js';

const schema = Variant(
  'bottleneck',
  {
    ...blockOptions({
      dim: 'token size (model width) of the fusion layers',
      layers: 'fusion layers (one transformer block per modality each, exchanging through the bottleneck)',
      layersDefault: 2,
    }),
    n_bottleneck: Default(
      Type.Integer({ minimum: 1, maximum: 256, description: 'shared latent bottleneck tokens (the paper finds 4 enough)' }),
      4,
    ),
    pooling: poolingOption(['mean', 'max'] as const, 'mean'),
    ...fusionCommonOptions,
  },
  {
    title: 'attention bottleneck fusion',
    description:
      'Attention bottlenecks (Nagrani et al. 2021): per-modality transformer blocks that exchange information only through n_bottleneck shared latent tokens; each modality pooled, plus the bottleneck, then the hidden layers.',
  },
);

export const bottleneckFusion = defineFusion<typeof schema>({
  type: 'bottleneck',
  schema,
  tokens: true,
  validate: (o) => checkHeads(o),
  build: ({ sequences, options, ctx }) => {
    const b = options.n_bottleneck;
    const parts = embedSequences(sequences, options.dim, ctx);
    const block = preNormBlock(options);
    const own = parts.map((p) => ctx.child(p.name));
    const jointMasks = parts.map((p, m) => new MaskPad({ after: b, name: own[m]!.name('joint_mask') }).apply(p.mask) as tf.SymbolicTensor);
    let z = new LatentTokens({ tokens: b, dim: options.dim, seed: ctx.nextSeed(), name: ctx.name('bottleneck') }).apply(
      parts[0]!.tokens,
    ) as tf.SymbolicTensor;
    let xs = parts.map((p) => p.tokens);
    for (let l = 0; l < options.layers; l++) {
      const updates: tf.SymbolicTensor[] = [];
      xs = xs.map((x, m) => {
        const c = own[m]!;
        const t = parts[m]!.length;
        const joint = tf.layers.concatenate({ axis: 1, name: c.name('joint') }).apply([x, z]) as tf.SymbolicTensor;
        const y = transformerBlock(joint, block, c, { mask: jointMasks[m]! });
        updates.push(new TokenSlice({ begin: t, size: b, name: c.name('bottleneck_update') }).apply(y) as tf.SymbolicTensor);
        return new TokenSlice({ begin: 0, size: t, name: c.name('tokens') }).apply(y) as tf.SymbolicTensor;
      });
      z = new BottleneckMerge({ name: ctx.name('bottleneck_merge') }).apply([
        z,
        ...updates,
        ...parts.map((p) => p.mask),
      ]) as tf.SymbolicTensor;
    }
    const pooled = xs.map(
      (x, m) =>
        new MaskedPooling({ mode: options.pooling, name: own[m]!.name('pool') }).apply([
          layerNorm(x, own[m]!),
          parts[m]!.mask,
        ]) as tf.SymbolicTensor,
    );
    const latent = new MaskedPooling({ mode: 'mean', name: ctx.name('bottleneck_pool') }).apply(layerNorm(z, ctx)) as tf.SymbolicTensor;
    return hiddenLayers(merge('concatenate', [...pooled, latent], ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const d = options.dim;
    const b = options.n_bottleneck;
    embedSequencesCost(cost, embeddings, d);
    cost.add(['n_bottleneck'], `bottleneck tokens ${b} × ${d}`, b * d, b * d);
    const block = preNormBlock(options);
    const at = { block: ['layers'], ff: options.ff_dim !== undefined ? ['ff_dim'] : ['dim'] };
    for (let l = 0; l < options.layers; l++) {
      for (const e of embeddings) {
        cost.elementwise(['n_bottleneck'], `${e.name}'s tokens and the bottleneck`, (e.tokens + b) * d);
        cost.transformerBlock(at, e.tokens + b, d, block);
      }
      cost.elementwise(['n_bottleneck'], 'bottleneck merge', b * d);
    }
    for (const e of embeddings) {
      cost.layerNorm(['layers'], d, e.tokens * d);
      cost.elementwise(['pooling'], `${options.pooling} pooling of ${e.name}`, d);
    }
    cost.layerNorm(['layers'], d, b * d);
    cost.elementwise(['n_bottleneck'], 'mean of the bottleneck', d);
    return { outputDim: hiddenCost(cost, (embeddings.length + 1) * d, options), parts: cost.parts };
  },
});
