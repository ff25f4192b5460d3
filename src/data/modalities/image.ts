/** The `image` modality: PNG/JPEG files decoded, resized and scaled to [0, 1]. */
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { defineModality } from './modality.js';

export const imagePreprocessing = Closed(
  {
    height: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'height in pixels after resizing' }), 28),
    width: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'width in pixels after resizing' }), 28),
    channels: Default(
      Enum([1, 3, 4], { description: '1 = grayscale, 3 = RGB, 4 = RGBA' }),
      1,
    ),
    resize: Default(
      Enum(['fill', 'contain', 'cover'], {
        description: 'fill stretches; contain letterboxes; cover crops',
      }),
      'fill',
    ),
  },
  { description: 'how images are decoded and resized' },
);

export const imageModality = defineModality<typeof imagePreprocessing, 'image'>({
  type: 'image',
  description: 'An image file (PNG, JPEG, WebP, ...) per row.',
  preprocessing: imagePreprocessing,
  defaultEncoder: 'cnn',
  createLoader: async (p) => {
    const { loadImage } = await import('../image/decode.js');
    return {
      shape: [p.height, p.width, p.channels],
      normalization: 'none',
      load: (cell, baseDir) => loadImage(path.resolve(baseDir, cell), p),
    };
  },
});
