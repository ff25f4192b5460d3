/** Every encoder mmx knows, by modality. Adding an encoder: write its file, list it here. */
import { audioCnn1d } from './audio/cnn1d.js';
import { imageCnn } from './image/cnn.js';
import type { EncoderDefinition } from './registry.js';

export const imageEncoders = [imageCnn] as const;
export const audioEncoders = [audioCnn1d] as const;

export const encoderRegistry: readonly EncoderDefinition[] = [...imageEncoders, ...audioEncoders] as unknown as EncoderDefinition[];
