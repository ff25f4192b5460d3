/** The `image` modality: PNG/JPEG files decoded, resized and scaled to [0, 1]. */
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { imageAugmenter, isImageAugmentationActive, type ImageAugmentation } from '../augment/image.js';
import { maxFileBytes } from '../files/media-file.js';
import { defineModality, missingOption, type FeatureLoader } from './modality.js';

export const imagePreprocessing = Closed(
  {
    height: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'height in pixels after resizing' }), 28),
    width: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'width in pixels after resizing' }), 28),
    channels: Default(Enum([1, 3, 4], { description: '1 = grayscale, 3 = RGB, 4 = RGBA' }), 1),
    resize: Default(
      Enum(['fill', 'contain', 'cover'], {
        description: 'fill stretches; contain letterboxes; cover crops',
      }),
      'fill',
    ),
    missing: missingOption('error'),
  },
  { description: 'how images are decoded and resized' },
);

const Augmentation = Closed(
  {
    flip: Default(Enum(['none', 'horizontal', 'vertical', 'both'], { description: 'random flips (each with probability 1/2)' }), 'none'),
    rotation: Default(Type.Number({ minimum: 0, maximum: 180, description: 'random rotation up to ± this many degrees' }), 0),
    shift: Default(Type.Number({ minimum: 0, maximum: 1, description: 'random shift up to ± this fraction of the height / width' }), 0),
    brightness: Default(
      Type.Number({ minimum: 0, maximum: 1, description: 'random brightness change up to ± this much (values are in [0, 1])' }),
      0,
    ),
  },
  { description: 'random augmentation of the training batches (never validation or test); seeded by the experiment seed' },
);

const inputProperties = { augmentation: Type.Optional(Augmentation) };

export const imageModality = defineModality<typeof imagePreprocessing, 'image', typeof inputProperties>({
  type: 'image',
  description: 'An image file (PNG, JPEG, WebP, ...) per row.',
  preprocessing: imagePreprocessing,
  inputProperties,
  defaultEncoder: 'cnn',
  augmenter: (input, shape) => {
    const a = input.augmentation as ImageAugmentation | undefined;
    return a && isImageAugmentationActive(a) ? imageAugmenter(a, shape) : undefined;
  },
  files: 'image',
  featureShape: (p) => [p.height, p.width, p.channels],
  createLoader: async (p, _input, context = {}) => {
    const { decodeImage, loadImage } = await import('../image/decode.js');
    const readMedia = context.readMedia;
    const options = { ...p, ...(context.maxFileBytes !== undefined ? { maxBytes: context.maxFileBytes } : {}) };
    const loader: FeatureLoader<Float32Array, undefined> = {
      missing: p.missing,
      shape: () => imageModality.featureShape(p, {}),
      normalization: 'none',
      read: async (cells, baseDir) => {
        if (!readMedia) return loadImage(path.resolve(baseDir, cells[0]!), options);
        const { bytes, name } = await readMedia(cells[0]!, baseDir, 'image', options.maxBytes ?? maxFileBytes(undefined, 'image'));
        return decodeImage(bytes, options, name);
      },
    };
    return loader;
  },
});
