/** Audio encoder `cnn2d`: 2-D convolutions over the spectrogram as a one-channel image (frames × bands). */
import * as tf from '../../../tf.js';
import { Variant } from '../../../config/schema-kit.js';
import { convOptions } from '../common.js';
import { convStack, convStackCost } from '../conv-stack.js';
import { defineEncoder } from '../registry.js';

const schema = Variant(
  'cnn2d',
  convOptions({ filters: [16, 32], kernelSize: 3 }, 'frame of the last feature map (its bands × channels side by side)'),
  {
    title: 'audio cnn2d encoder',
    description:
      'Convolutions over the spectrogram as an image (frames × mel bands × 1), pooling, a global reduction and a dense projection.',
  },
);

export const audioCnn2d = defineEncoder<typeof schema>({
  modality: 'audio',
  type: 'cnn2d',
  schema,
  build: ({ input, featureShape, options, ctx }) => {
    const [frames = 1, bands = 1] = featureShape;
    const image = tf.layers.reshape({ targetShape: [frames, bands, 1], name: ctx.name('as_image') }).apply(input) as tf.SymbolicTensor;
    return convStack(image, options, ctx, 2, 'rows');
  },
  estimate: ({ featureShape, options }) => convStackCost([featureShape[0] ?? 1, featureShape[1] ?? 1, 1], options, 2, 'rows'),
});
