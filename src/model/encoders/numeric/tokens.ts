/**
 * Numeric encoder `tokens` (the feature tokenizer of FT-Transformer, Gorishniy et al. 2021): every numeric
 * feature becomes its own token, t_j = x_j · w_j + b_j of size `dim`, so a table's features enter a token fusion
 * one by one (`output: sequence`) and the fusion's attention can weigh them separately. `output: pooled` gives
 * the tokens side by side (k·dim features). Parameters: 2·k·dim for k features.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { FeatureTokenizer } from '../../layers/feature-tokenizer.js';
import { outputOption } from '../common.js';
import { defineEncoder } from '../registry.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'tokens',
  {
    dim: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'size of each feature token' }), 16),
    output: outputOption('feature (column)'),
  },
  { title: 'numeric tokens encoder', description: 'One learned token per numeric feature (x · w + b, FT-Transformer style).' },
);

export const numericTokens = defineEncoder<typeof schema>({
  modality: 'numeric',
  type: 'tokens',
  schema,
  build: ({ input, options: o, ctx }) => {
    const tokens = new FeatureTokenizer({ dim: o.dim, seed: ctx.nextSeed(), name: ctx.name('feature_tokens') }).apply(
      input,
    ) as tf.SymbolicTensor;
    if (o.output === 'sequence') return { sequence: tokens };
    return tf.layers.flatten({ name: ctx.name('flatten') }).apply(tokens) as tf.SymbolicTensor;
  },
  estimate: ({ options: o, featureShape: [features = 1] }) => {
    const cost = new Cost();
    cost.add(['dim'], `feature tokens ${features} × ${o.dim}`, 2 * features * o.dim, features * o.dim);
    return o.output === 'sequence'
      ? { outputDim: o.dim, steps: features, parts: cost.parts }
      : { outputDim: features * o.dim, parts: cost.parts };
  },
});
