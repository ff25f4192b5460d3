/** Audio encoders `lstm` and `gru`: recurrent layers over the frames (features per frame as inputs). */
import { Type } from '@sinclair/typebox';
import { Default, Variant } from '../../../config/schema-kit.js';
import { ActivationOption, dropoutOption, outputDimOption } from '../common.js';
import { project } from '../dense-head.js';
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
    },
    { title: `audio ${type} encoder`, description: `${type.toUpperCase()} over the spectrogram frames; the last state, projected.` },
  );
  return defineEncoder<typeof schema>({
    modality: 'audio',
    type,
    schema,
    build: ({ input, options, ctx }) => project(rnnStack(input, type, options.bidirectional, options, ctx), options, ctx),
    estimate: ({ featureShape, options }) => {
      const cost = new Cost();
      const [steps = 1, features = 1] = featureShape;
      const h = cost.recurrent(['units'], type, options.bidirectional, options, steps, features);
      return { outputDim: cost.project(h, options), parts: cost.parts };
    },
  });
}

export const audioLstm = audioRnn('lstm');
export const audioGru = audioRnn('gru');
