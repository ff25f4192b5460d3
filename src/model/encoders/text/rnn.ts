/** Text encoders `lstm`, `gru` and `bilstm`: recurrent layers over the token embeddings, PAD steps masked. */
import { Variant } from '../../../config/schema-kit.js';
import { project, projectSequence } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { rnnOptions, rnnStack } from '../rnn-stack.js';
import { embedTokens, prepareTextEmbedding, textEmbeddingCost, textEmbeddingOptions, textOutput } from './common.js';
import { Cost } from '../../size/cost.js';

function textRnn<N extends 'lstm' | 'gru' | 'bilstm'>(type: N, description: string) {
  const schema = Variant(type, { ...textEmbeddingOptions, ...rnnOptions }, { title: `text ${type} encoder`, description });
  return defineEncoder<typeof schema>({
    modality: 'text',
    type,
    schema,
    prepare: prepareTextEmbedding,
    build: ({ input, options, ctx, meta }) => {
      const emb = embedTokens(input, options, meta, ctx, true, `text ${type} encoder`);
      const sequence = options.output === 'sequence';
      const h = rnnStack(emb, type === 'gru' ? 'gru' : 'lstm', type === 'bilstm', options, ctx, sequence);
      return sequence ? projectSequence(h, input, options, ctx) : project(h, options, ctx);
    },
    estimate: ({ options, featureShape, vocabSize }) => {
      const cost = new Cost();
      const steps = featureShape[0] ?? 1;
      const dim = textEmbeddingCost(cost, options, steps, vocabSize);
      if (dim === undefined) return undefined;
      const h = cost.recurrent(['units'], type === 'gru' ? 'gru' : 'lstm', type === 'bilstm', options, steps, dim);
      return textOutput(cost, h, options, steps);
    },
  });
}

export const textLstm = textRnn('lstm', 'LSTM over the token embeddings (padding masked); the last state, projected.');
export const textGru = textRnn('gru', 'GRU over the token embeddings (padding masked); the last state, projected.');
export const textBilstm = textRnn('bilstm', 'Bidirectional LSTM over the token embeddings (padding masked); both last states, projected.');
