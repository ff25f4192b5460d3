/** Audio encoder `cnn1d`: 1-D convolutions over the spectrogram's frames, mel bands as channels. */
import { convOptions } from '../common.js';
import { convStack, convStackCost } from '../conv-stack.js';
import { defineEncoder } from '../registry.js';
import { Variant } from '../../../config/schema-kit.js';

const schema = Variant(
  'cnn1d',
  convOptions({ filters: [64, 128], kernelSize: 5 }, 'frame of the last feature map (the frames after pooling)'),
  {
    title: 'audio cnn1d encoder',
    description: 'Convolutions over time (frames × mel bands, the bands as channels), pooling, a global reduction and a dense projection.',
  },
);

export const audioCnn1d = defineEncoder<typeof schema>({
  modality: 'audio',
  type: 'cnn1d',
  schema,
  build: ({ input, options, ctx }) => convStack(input, options, ctx, 1),
  estimate: ({ featureShape, options }) => convStackCost(featureShape, options, 1),
});
