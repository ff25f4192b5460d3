/**
 * Fusion `film`: Feature-wise Linear Modulation (Perez et al. 2018). The `conditioner` modality's embedding c
 * predicts a per-feature scale γ and shift β for the `target` modality's embedding t:
 *   γ = W_γ c + b_γ (b_γ initialised to 1, so γ starts near 1), β = W_β c + b_β, y = γ ⊙ t + β.
 * With `dim`, t is first projected (linear) to dim and modulated there; otherwise at its own size E_t.
 * With more than two modalities, the others' embeddings are concatenated after y, in input order (they are not
 * modulated); the conditioner's own embedding is not passed on (it acts only through γ and β).
 *
 * Parameters (s = dim, or E_t without dim): [(E_t + 1)·dim with dim] + 2·(E_c + 1)·s.
 * Output: s + Σ_{others} E_m features.
 */
import * as tf from '../../tf.js';
import { Type } from '@sinclair/typebox';
import { Variant } from '../../config/schema-kit.js';
import { suggestion } from '../../config/did-you-mean.js';
import { dense, fusionCommonOptions, hiddenCost, hiddenLayers, merge, optionalDim } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion, type FusionIssue } from './registry.js';

const InputName = (description: string) => Type.String({ minLength: 1, description });

const schema = Variant(
  'film',
  {
    conditioner: InputName('input (under inputs:) whose embedding produces the scale and shift'),
    target: InputName('input (under inputs:) whose embedding is scaled and shifted'),
    dim: optionalDim('if set, the target embedding is first projected (linear) to this size and modulated there'),
    ...fusionCommonOptions,
  },
  {
    title: 'FiLM fusion',
    description:
      "FiLM: the conditioner's embedding predicts a per-feature scale and shift applied to the target's embedding; other inputs are concatenated after it; then the hidden layers.",
  },
);

export const filmFusion = defineFusion<typeof schema>({
  type: 'film',
  schema,
  minModalities: 2,
  validate: (o, inputs) => {
    const issues: FusionIssue[] = [];
    for (const key of ['conditioner', 'target'] as const) {
      if (!inputs.includes(o[key])) {
        issues.push({
          path: ['fusion', key],
          message: `'${o[key]}' is not an input of this config (inputs: ${inputs.join(', ')})`,
          hint: suggestion(o[key], inputs, 'one of the inputs'),
        });
      }
    }
    if (issues.length === 0 && o.conditioner === o.target) {
      const other = inputs.find((n) => n !== o.target)!;
      issues.push({
        path: ['fusion', 'conditioner'],
        message: `conditioner and target are both '${o.target}': FiLM modulates one modality with another`,
        hint: `set fusion.conditioner to another input, e.g. ${other}`,
      });
    }
    return issues;
  },
  build: ({ embeddings, options, ctx }) => {
    const c = embeddings.find((e) => e.name === options.conditioner)!.tensor;
    const t0 = embeddings.find((e) => e.name === options.target)!.tensor;
    const t = options.dim === undefined ? t0 : dense(t0, options.dim, ctx, `${options.target}_proj`);
    const size = t.shape[1] as number;
    const gamma = dense(c, size, ctx, 'film_gamma', 'linear', { biasInitializer: 'ones' });
    const beta = dense(c, size, ctx, 'film_beta');
    const scaled = tf.layers.multiply({ name: ctx.name('film_scale') }).apply([gamma, t]) as tf.SymbolicTensor;
    const y = tf.layers.add({ name: ctx.name('film_shift') }).apply([scaled, beta]) as tf.SymbolicTensor;
    const others = embeddings.filter((e) => e.name !== options.conditioner && e.name !== options.target).map((e) => e.tensor);
    return hiddenLayers(merge('concatenate', [y, ...others], ctx), options, ctx);
  },
  estimate: ({ embeddings, options }) => {
    const cost = new Cost();
    const dimOf = (name: string): number => embeddings.find((e) => e.name === name)?.dim ?? 0;
    const t = dimOf(options.target);
    const c = dimOf(options.conditioner);
    if (options.dim !== undefined) cost.dense(['dim'], t, options.dim);
    const s = options.dim ?? t;
    cost.dense(['dim'], c, s);
    cost.dense(['dim'], c, s);
    cost.elementwise(['dim'], 'scale and shift', 2 * s);
    const others = embeddings.filter((e) => e.name !== options.conditioner && e.name !== options.target).reduce((n, e) => n + e.dim, 0);
    if (others > 0) cost.elementwise([], 'concatenate', s + others);
    return { outputDim: hiddenCost(cost, s + others, options), parts: cost.parts };
  },
});
