/**
 * A modality (image, audio, text, numeric, categorical) is a preprocessing schema fragment plus a feature
 * loader. The registry in `./index.ts` lists them; the config schema for `inputs.<name>` is assembled from it.
 *
 * A loader turns one row's manifest cells into features in three steps, so that everything learned from data is
 * learned from the training split only and can be replayed later from the saved state:
 *
 *   read(cells)            per row: decode a file, parse numbers, tokenise a text        (every split)
 *   fit(training values)   once: vocabulary, statistics, category list → JSON state      (training split only)
 *   encode(value, state)   per row: the fixed-size Float32Array the model reads          (every split)
 *
 * Missing cells: a loader that sets `handlesMissing` sees empty cells and deals with them itself (numeric
 * imputation, the categorical reserved index). For the others an empty cell is "missing" and the input's
 * `missing:` policy applies (see {@link MissingPolicy}); dataset.ts does that, and counts it.
 */
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { Default, Discriminated, Enum, Variant, type Resolved } from '../../config/schema-kit.js';
import type { InputMeta } from '../../model/encoders/registry.js';
import type { MediaKind, MediaReader } from '../files/media-file.js';

/** One row's cells for an input, one string per column it reads (trimmed; '' when empty). */
export type Cells = readonly string[];

/**
 * What happens to an input whose cell is empty: `error` stops with the row and column, `zeros` feeds all-zero
 * features (after normalisation; for text: only padding), `drop_row` leaves the row out. Counted and reported.
 */
export type MissingPolicy = 'error' | 'zeros' | 'drop_row';

export const missingOption = (defaultValue: MissingPolicy) =>
  Default(
    Enum(['error', 'zeros', 'drop_row'], {
      description: 'an empty cell: stop with an error (error), feed zeros (zeros), or leave the row out (drop_row); counted and reported',
    }),
    defaultValue,
  );

/**
 * How loaded features are normalised with statistics from the training split (dataset.ts does it):
 * `standardize` subtracts one mean and divides by one standard deviation over all values; `standardize_channels`
 * does so per position of the last axis (per mel band / MFCC coefficient); `none` leaves them as encoded.
 */
export type NormalizationKind = 'standardize' | 'standardize_channels' | 'none';

export interface FeatureLoader<R = Float32Array, S = undefined> {
  /** true: empty cells reach `read` (the loader imputes); false/absent: the input's `missing` policy applies */
  readonly handlesMissing?: boolean;
  /** the `missing:` policy for loaders that do not handle missing cells themselves (default `error`) */
  readonly missing?: MissingPolicy;
  /**
   * Read one row. @throws DecodeError for an unreadable file (skippable with `data.on_error: skip`) or
   * CellError for a bad value (names the column among the input's columns).
   */
  read(cells: Cells, baseDir: string): Promise<R> | R;
  /** Whether a read value means "leave the row out" (e.g. numeric `missing: drop_row`). */
  drop?(value: R): boolean;
  /** Loaders that handle missing cells: how many of a row's cells were missing (for the report) ... */
  countMissing?(value: R): number;
  /** ... and what was done with them (e.g. `mean`, `reserved index`). */
  readonly missingAction?: string;
  /** Learn from the training rows' read values (missing and dropped rows excluded). Must be JSON-serialisable. */
  fit?(train: readonly R[]): S;
  /** The features of a read value, `sizeOf(shape(state))` long. Default: the value itself (a Float32Array). */
  encode?(value: R, state: S): Float32Array;
  /** Shape of one example's features, e.g. [28, 28, 1]; may depend on the fitted state. */
  shape(state: S): number[];
  readonly normalization: NormalizationKind;
  /** Build-time information for the encoder (vocabulary size, ...), from the fitted state. */
  meta?(state: S): InputMeta;
}

/** What a loader is told beside its input's options. */
export interface LoaderContext {
  /** largest file a cell may name, in bytes (`data.max_file_mb`; modalities whose cells name files) */
  maxFileBytes?: number;
  /** how a cell's file is read (default: the path relative to the manifest's folder) */
  readMedia?: MediaReader;
}

/** A bad value in a cell (not a file): `column` is the index among the input's columns. Always names row and column. */
export class CellError extends Error {
  override readonly name = 'CellError';
  constructor(
    message: string,
    readonly column = 0,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A check that needs more than the schema, on one resolved input; `path` is relative to `inputs.<name>`. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/** A per-batch training augmentation: changes `n` examples of `batch` (row-major, model-ready) in place. */
export type BatchAugmenter = (batch: Float32Array, n: number, random: () => number) => void;

export interface ModalityDefinition<P extends TObject = TObject, T extends string = string, X extends TProperties = TProperties> {
  type: T;
  description: string;
  /** schema of `preprocessing:` */
  preprocessing: P;
  /** the encoder `type` used when `encoder:` is omitted */
  defaultEncoder: string;
  /** description of `column:` */
  columnDescription?: string;
  /** further keys of the input, beside column / preprocessing / encoder (e.g. `augmentation`) */
  inputProperties?: X;
  /**
   * Creates the loader for one input; decoders are imported lazily so that validating a config stays fast.
   * `input` is the whole resolved input entry (column, preprocessing, encoder, extra keys).
   */
  createLoader(preprocessing: Resolved<P>, input: Record<string, unknown>, context?: LoaderContext): Promise<FeatureLoader<any, any>>;
  /** One example's feature shape, from the options alone: what the loader's `shape` gives. */
  featureShape(preprocessing: Resolved<P>, input: Record<string, unknown>): number[];
  /**
   * For inputs read as ids (text, categorical): the vocabulary size to estimate the model with before any data is
   * prepared — an upper bound from the options, or from the column's cells (`cells`, when the manifest is at hand),
   * else the fewest ids it can have.
   */
  vocabularyBound?(preprocessing: Resolved<P>, cells?: () => Iterable<string>): number;
  /**
   * The input's cells name files of this kind (read only if regular files within `data.max_file_mb.<kind>`;
   * `mmx validate` checks each file's kind from its first bytes).
   */
  files?: MediaKind;
  /** Checks beyond the schema (e.g. n_mfcc ≤ n_mels). */
  check?(input: { preprocessing: Resolved<P> } & Record<string, unknown>): InputIssue[];
  /**
   * The per-batch augmentation of the training split this input asks for (undefined: none). `shape` is one
   * example's feature shape.
   */
  augmenter?(input: Record<string, unknown>, shape: number[]): BatchAugmenter | undefined;
  /** The manifest columns the input reads (default: `[input.column]`). */
  columns?(input: Record<string, unknown>): string[];
  /**
   * true: the input may list all its columns in `columns` alone, without `column` (the loader makes the first
   * of them its `column`: src/experiment/context-defaults.ts).
   */
  columnsAlone?: boolean;
}

export function defineModality<P extends TObject, T extends string, X extends TProperties = {}>(
  def: ModalityDefinition<P, T, X>,
): ModalityDefinition<P, T, X> {
  return def;
}

/** Schema of one entry under `inputs:` for a modality, given its encoders' schemas. */
export function inputSchema<P extends TObject, T extends string, X extends TProperties, E extends TSchema[]>(
  modality: ModalityDefinition<P, T, X>,
  encoders: [...E],
) {
  const schema = Variant(
    modality.type,
    {
      column: Type.String({
        minLength: 1,
        description: modality.columnDescription ?? 'manifest column holding this input (a file path, relative to the manifest)',
      }),
      ...(modality.inputProperties ?? ({} as X)),
      preprocessing: Default(modality.preprocessing, {} as never),
      encoder: Default(Discriminated(encoders, { description: `${modality.type} encoder` }), { type: modality.defaultEncoder } as never),
    },
    { title: `${modality.type} input`, description: modality.description },
  );
  if (modality.columnsAlone) {
    // `column` is required only when `columns` is absent
    const required: unknown = schema.required;
    Object.assign(schema, {
      required: Array.isArray(required) ? required.filter((k: unknown) => k !== 'column') : [],
      if: { required: ['columns'] },
      then: {},
      else: { required: ['column'] },
    });
  }
  return schema;
}
