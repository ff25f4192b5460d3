/**
 * A modality (image, audio, ...) is a preprocessing schema fragment plus a feature loader. The registry
 * in `./index.ts` lists them; the config schema for `inputs.<name>` is assembled from it.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { Default, Discriminated, Variant, type Resolved } from '../../config/schema-kit.js';

export interface FeatureLoader {
  /** shape of one example's features, e.g. [28, 28, 1] */
  readonly shape: number[];
  /** Load one example from its manifest cell (a path relative to the manifest's folder). */
  load(cell: string, baseDir: string): Promise<Float32Array>;
  /**
   * How features are normalised with statistics learned on the training split: `standardize`
   * subtracts the mean and divides by the standard deviation; `none` leaves them as loaded.
   */
  readonly normalization: 'standardize' | 'none';
}

export interface ModalityDefinition<P extends TObject = TObject, T extends string = string> {
  type: T;
  description: string;
  /** schema of `preprocessing:` */
  preprocessing: P;
  /** the encoder `type` used when `encoder:` is omitted */
  defaultEncoder: string;
  /** Creates the loader; decoders are imported lazily so that validating a config stays fast. */
  createLoader(preprocessing: Resolved<P>): Promise<FeatureLoader>;
}

export function defineModality<P extends TObject, T extends string>(def: ModalityDefinition<P, T>): ModalityDefinition<P, T> {
  return def;
}

/** Schema of one entry under `inputs:` for a modality, given its encoders' schemas. */
export function inputSchema<P extends TObject, T extends string, E extends TSchema[]>(modality: ModalityDefinition<P, T>, encoders: [...E]) {
  return Variant(
    modality.type,
    {
      column: Type.String({ minLength: 1, description: 'manifest column holding this input (a file path, relative to the manifest)' }),
      preprocessing: Default(modality.preprocessing, {} as never),
      encoder: Default(Discriminated(encoders, { description: `${modality.type} encoder` }), { type: modality.defaultEncoder } as never),
    },
    { title: `${modality.type} input`, description: modality.description },
  );
}
