/** Every modality mmx knows. Adding one: a file here, its encoders in `model/encoders/`, one line below. */
import { audioEncoders, categoricalEncoders, imageEncoders, numericEncoders, textEncoders } from '../../model/encoders/index.js';
import { audioModality } from './audio.js';
import { categoricalModality } from './categorical.js';
import { imageModality } from './image.js';
import { inputSchema, type ModalityDefinition } from './modality.js';
import { numericModality } from './numeric.js';
import { textModality } from './text.js';

export const ImageInput = inputSchema(imageModality, imageEncoders.map((e) => e.schema) as [(typeof imageEncoders)[number]['schema']]);
export const AudioInput = inputSchema(audioModality, audioEncoders.map((e) => e.schema) as [(typeof audioEncoders)[number]['schema']]);
export const TextInput = inputSchema(textModality, textEncoders.map((e) => e.schema) as [(typeof textEncoders)[number]['schema']]);
export const NumericInput = inputSchema(
  numericModality,
  numericEncoders.map((e) => e.schema) as [(typeof numericEncoders)[number]['schema']],
);
export const CategoricalInput = inputSchema(
  categoricalModality,
  categoricalEncoders.map((e) => e.schema) as [(typeof categoricalEncoders)[number]['schema']],
);

export const inputSchemas = [ImageInput, AudioInput, TextInput, NumericInput, CategoricalInput] as const;

export const modalityRegistry: readonly ModalityDefinition[] = [
  imageModality,
  audioModality,
  textModality,
  numericModality,
  categoricalModality,
] as unknown as ModalityDefinition[];

export function findModality(type: string): ModalityDefinition {
  const found = modalityRegistry.find((m) => m.type === type);
  if (!found) throw new Error(`unknown modality '${type}'`);
  return found;
}
