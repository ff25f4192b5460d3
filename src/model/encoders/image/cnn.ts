/** Image encoder `cnn`: 2-D convolutional blocks over height × width × channels. */
import { convOptions } from '../common.js';
import { convStack, convStackCost } from '../conv-stack.js';
import { defineEncoder } from '../registry.js';
import { Variant } from '../../../config/schema-kit.js';

const schema = Variant(
  'cnn',
  convOptions({ filters: [32, 64], kernelSize: 3 }, 'position of the last feature map (height × width of them)'),
  {
    title: 'image cnn encoder',
    description: 'Convolutional blocks (conv, optional batch norm, activation, pooling), a global reduction and a dense projection.',
  },
);

export const imageCnn = defineEncoder<typeof schema>({
  modality: 'image',
  type: 'cnn',
  schema,
  build: ({ input, options, ctx }) => convStack(input, options, ctx, 2),
  estimate: ({ featureShape, options }) => convStackCost(featureShape, options, 2),
});
