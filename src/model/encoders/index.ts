/** Every encoder mmx knows, by modality. Adding an encoder: write its file, list it here. */
import { audioCnn1d } from './audio/cnn1d.js';
import { audioCnn2d } from './audio/cnn2d.js';
import { audioGru, audioLstm } from './audio/rnn.js';
import { categoricalEmbedding } from './categorical/embedding.js';
import { categoricalOnehot } from './categorical/onehot.js';
import { imageCnn } from './image/cnn.js';
import { imageMlp } from './image/mlp.js';
import { imagePatch } from './image/patch.js';
import { imagePretrained } from './image/pretrained.js';
import { imageResnet } from './image/resnet.js';
import { numericDense } from './numeric/dense.js';
import { numericPassthrough } from './numeric/passthrough.js';
import { numericTokens } from './numeric/tokens.js';
import type { EncoderDefinition } from './registry.js';
import { textCnn } from './text/cnn.js';
import { textEmbeddingBag } from './text/embedding-bag.js';
import { textBilstm, textGru, textLstm } from './text/rnn.js';
import { textTransformer } from './text/transformer.js';

export const imageEncoders = [imageCnn, imageResnet, imagePatch, imageMlp, imagePretrained] as const;
export const audioEncoders = [audioCnn1d, audioCnn2d, audioLstm, audioGru] as const;
export const textEncoders = [textEmbeddingBag, textCnn, textLstm, textGru, textBilstm, textTransformer] as const;
export const numericEncoders = [numericDense, numericPassthrough, numericTokens] as const;
export const categoricalEncoders = [categoricalEmbedding, categoricalOnehot] as const;

export const encoderRegistry: readonly EncoderDefinition[] = [
  ...imageEncoders,
  ...audioEncoders,
  ...textEncoders,
  ...numericEncoders,
  ...categoricalEncoders,
] as unknown as EncoderDefinition[];
