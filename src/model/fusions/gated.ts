/**
 * Fusion `gated`: the Gated Multimodal Unit (Arevalo et al. 2017), n-ary. Each modality gives candidate features
 * h_m = tanh(W_m x_m + b_m) of size `dim`; gates computed from all the raw embeddings together, [x_1; ...; x_M],
 * weight them (see layers/gated-combine.ts):
 *   gate sigmoid, M = 2: z = σ(W_z[x_1; x_2] + b_z), h = z ⊙ h_1 + (1 − z) ⊙ h_2 — the paper's bimodal GMU;
 *   gate sigmoid, M ≠ 2: z_m = σ(W_zm[x_1; ...; x_M] + b_zm), h = Σ z_m ⊙ h_m — the paper's n-ary GMU;
 *   gate softmax: per feature, a softmax across the modalities (a convex combination).
 *
 * Parameters (ΣE = Σ_m E_m): Σ_m (E_m + 1)·dim + (ΣE + 1)·G with G = dim (sigmoid, M = 2) or M·dim (otherwise).
 * Output: dim features.
 */
import * as tf from '../../tf.js';
import { Default, Enum, Variant } from '../../config/schema-kit.js';
import { GatedCombine, gateUnits } from '../layers/gated-combine.js';
import { dense, dimOption, fusionCommonOptions, hiddenCost, hiddenLayers, merge, projectEach, projectEachCost } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'gated',
  {
    dim: dimOption(128, 'size of each modality candidate h_m = tanh(W_m x_m) and of the fused vector'),
    gate: Default(
      Enum(['sigmoid', 'softmax'], {
        description:
          'sigmoid: the GMU of the paper (z and 1 − z for two modalities, one sigmoid gate per modality otherwise); softmax: per-feature softmax across modalities',
      }),
      'sigmoid',
    ),
    ...fusionCommonOptions,
  },
  {
    title: 'gated fusion (GMU)',
    description:
      'Gated Multimodal Unit: tanh candidates per modality, mixed per feature by gates computed from all embeddings together; then the hidden layers.',
  },
);

export const gatedFusion = defineFusion<typeof schema>({
  type: 'gated',
  schema,
  build: ({ embeddings, options, ctx }) => {
    const candidates = projectEach(embeddings, options.dim, ctx, 'tanh');
    const all = merge(
      'concatenate',
      embeddings.map((e) => e.tensor),
      ctx,
    );
    const g = dense(all, gateUnits(options.gate, embeddings.length, options.dim), ctx, 'gate');
    const fused = new GatedCombine({ gate: options.gate, name: ctx.name('gmu') }).apply([g, ...candidates]) as tf.SymbolicTensor;
    return hiddenLayers(fused, options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    projectEachCost(cost, embeddings, options.dim);
    const all = embeddings.reduce((s, e) => s + e.dim, 0);
    if (embeddings.length > 1) cost.elementwise([], 'concatenate', all);
    cost.dense(['dim'], all, gateUnits(options.gate, embeddings.length, options.dim));
    cost.elementwise(['dim'], 'gated combination', 2 * options.dim);
    return { outputDim: hiddenCost(cost, options.dim, options), parts: cost.parts };
  },
});
