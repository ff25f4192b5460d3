/** Audio encoders `lstm` and `gru`: recurrent layers over the frames (features per frame as inputs). */
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../../config/schema-kit.js';
import { ActivationOption, dropoutOption, outputDimOption, outputOption } from '../common.js';
import { project, projectSequence } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { rnnOptions, rnnStack } from '../rnn-stack.js';
import { Cost } from '../../size/cost.js';

function audioRnn<N extends 'lstm' | 'gru'>(type: N) {
  const schema = Variant(
    type,
    {
      ...rnnOptions,
      bidirectional: Default(Type.Boolean({ description: 'run over the frames in both directions' }), false),
      dropout: dropoutOption(0),
      output_dim: outputDimOption(128),
      activation: Default(ActivationOption, 'relu'),
      output: outputOption('frame (the state after each frame)'),
    },
    { title: `audio ${type} encoder`, description: `${type.toUpperCase()} over the spectrogram frames; the last state, projected.` },
  );
  return defineEncoder<typeof schema>({
    modality: 'audio',
    type,
    schema,
    estimate: ({ featureShape, options }) => {
      const cost = new Cost();
      const [steps = 1, features = 1] = featureShape;
      const h = cost.recurrent(['units'], type, options.bidirectional, options, steps, features);
      if (options.output === 'sequence') return { outputDim: cost.project(h, options, steps), steps, parts: cost.parts };
      return { outputDim: cost.project(h, options), parts: cost.parts };
    },
    build: ({ input, options, ctx }) => {
      const sequence = options.output === 'sequence';
      const h = rnnStack(input, type, options.bidirectional, options, ctx, sequence);
      return sequence ? projectSequence(h, undefined, options, ctx) : project(h, options, ctx);
    },
  });
}

export const audioLstm = audioRnn('lstm');
export const audioGru = audioRnn('gru');
