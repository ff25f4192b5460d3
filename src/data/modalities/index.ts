/** Every modality mmx knows. Adding one: a file here, its encoders in `model/encoders/`, one line below. */
import { audioEncoders, imageEncoders } from '../../model/encoders/index.js';
import { audioModality } from './audio.js';
import { imageModality } from './image.js';
import { inputSchema, type ModalityDefinition } from './modality.js';

export const ImageInput = inputSchema(imageModality, imageEncoders.map((e) => e.schema) as [(typeof imageEncoders)[number]['schema']]);
export const AudioInput = inputSchema(audioModality, audioEncoders.map((e) => e.schema) as [(typeof audioEncoders)[number]['schema']]);

export const inputSchemas = [ImageInput, AudioInput] as const;

export const modalityRegistry: readonly ModalityDefinition[] = [imageModality, audioModality] as unknown as ModalityDefinition[];

export function findModality(type: string): ModalityDefinition {
  const found = modalityRegistry.find((m) => m.type === type);
  if (!found) throw new Error(`unknown modality '${type}'`);
  return found;
}
