/** Fusion `concat`: the embeddings side by side, then the hidden MLP. */
import * as tf from '@tensorflow/tfjs';
import { Variant } from '../../config/schema-kit.js';
import { fusionCommonOptions, hiddenLayers } from './common.js';
import { defineFusion } from './registry.js';

const schema = Variant('concat', fusionCommonOptions, {
  title: 'concat fusion',
  description: 'Concatenate the per-modality embeddings, then apply the hidden layers.',
});

export const concatFusion = defineFusion<typeof schema>({
  type: 'concat',
  schema,
  build: ({ embeddings, options, ctx }) => {
    const tensors = embeddings.map((e) => e.tensor);
    const joined =
      tensors.length === 1
        ? (tensors[0] as tf.SymbolicTensor)
        : (tf.layers.concatenate({ name: ctx.name('concat') }).apply(tensors) as tf.SymbolicTensor);
    return hiddenLayers(joined, options, ctx);
  },
});
