/** Text encoder `cnn`: parallel 1-D convolutions of several widths over the token embeddings, max over time. */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { project, projectSequence, type Act } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { embedTokens, prepareTextEmbedding, textEmbeddingCost, textEmbeddingOptions, textOutput } from './common.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'cnn',
  {
    ...textEmbeddingOptions,
    kernel_sizes: Default(
      Type.Array(Type.Integer({ minimum: 1, maximum: 31 }), {
        minItems: 1,
        maxItems: 8,
        uniqueItems: true,
        description: 'widths (in tokens) of the parallel convolutions',
      }),
      [3, 4, 5],
    ),
    filters: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'filters per convolution width' }), 64),
  },
  {
    title: 'text cnn encoder',
    description:
      'Parallel convolutions over the token embeddings (one per kernel size), max over time, concatenated, projected (with output: sequence, per token, not max-pooled).',
  },
);

export const textCnn = defineEncoder<typeof schema>({
  modality: 'text',
  type: 'cnn',
  schema,
  prepare: prepareTextEmbedding,
  build: ({ input, options, ctx, meta }) => {
    const emb = embedTokens(input, options, meta, ctx, false, 'text cnn encoder');
    const sequence = options.output === 'sequence';
    const branches = options.kernel_sizes.map((k) => {
      const conv = tf.layers
        .conv1d({
          filters: options.filters,
          kernelSize: k,
          padding: 'same',
          activation: 'relu' as Act,
          kernelInitializer: ctx.kernelInit(),
          name: ctx.name(`conv${k}_`),
        })
        .apply(emb) as tf.SymbolicTensor;
      return sequence ? conv : (tf.layers.globalMaxPooling1d({ name: ctx.name('gmp') }).apply(conv) as tf.SymbolicTensor);
    });
    const merged =
      branches.length === 1 ? branches[0]! : (tf.layers.concatenate({ name: ctx.name('concat') }).apply(branches) as tf.SymbolicTensor);
    // a sequence: every token's features from all widths side by side ('same' padding keeps one per token)
    return sequence ? projectSequence(merged, input, options, ctx) : project(merged, options, ctx);
  },
  estimate: ({ options: o, featureShape, vocabSize }) => {
    const cost = new Cost();
    const steps = featureShape[0] ?? 1;
    const dim = textEmbeddingCost(cost, o, steps, vocabSize);
    if (dim === undefined) return undefined;
    const sequence = o.output === 'sequence';
    o.kernel_sizes.forEach((k, i) => {
      cost.add(['filters'], `conv ${k}, ${dim} → ${o.filters} filters`, k * dim * o.filters + o.filters, steps * o.filters);
      if (!sequence) cost.elementwise(['kernel_sizes', i], 'max over time', o.filters);
    });
    const width = o.filters * o.kernel_sizes.length;
    if (sequence && o.kernel_sizes.length > 1) cost.elementwise(['kernel_sizes'], 'concatenation', steps * width);
    return textOutput(cost, width, o, steps);
  },
});
