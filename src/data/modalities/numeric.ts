/**
 * The `numeric` modality: one or more numeric columns as one feature vector. Statistics (for normalisation and
 * imputation) come from the training split only; optional missing-indicator features (1 where the value was
 * missing) follow the values: [v1 .. vk, m1 .. mk].
 */
import { Type } from '@sinclair/typebox';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { columnStats, normalizeValue, parseNumber, type ColumnStats } from '../tabular/numeric.js';
import { defineModality, type FeatureLoader } from './modality.js';

export const DEFAULT_NA_VALUES = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];

export const numericPreprocessing = Closed(
  {
    normalize: Default(
      Enum(['standard', 'minmax', 'none'], {
        description: 'standard: (x − mean) / std; minmax: (x − min) / (max − min); statistics from the training split',
      }),
      'standard',
    ),
    missing: Default(
      Enum(['mean', 'median', 'zero', 'drop_row'], {
        description:
          'a missing value: the training mean or median, zero (in raw units), or leave the row out (drop_row); counted and reported',
      }),
      'mean',
    ),
    missing_indicator: Default(Type.Boolean({ description: 'add one feature per column: 1 where the value was missing, else 0' }), false),
    na_values: Default(
      Type.Array(Type.String(), { uniqueItems: true, description: 'cell values that mean "missing" (an empty cell always does)' }),
      DEFAULT_NA_VALUES,
    ),
  },
  { description: 'how numeric values are normalised and missing values filled' },
);

const inputProperties = {
  columns: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      uniqueItems: true,
      description: 'more numeric columns read into the same input, after `column`; or all of them, without `column`',
    }),
  ),
};

export interface NumericState {
  columns: ColumnStats[];
}

const columnsOf = (input: Record<string, unknown>): string[] => [String(input.column), ...((input.columns as string[] | undefined) ?? [])];

export const numericModality = defineModality<typeof numericPreprocessing, 'numeric', typeof inputProperties>({
  type: 'numeric',
  description: 'One or more numeric columns (`column`, plus `columns` for more, or `columns` alone) as one feature vector.',
  columnDescription: 'manifest column holding a number (more go in `columns`; or list them all in `columns` alone)',
  columnsAlone: true,
  preprocessing: numericPreprocessing,
  inputProperties,
  defaultEncoder: 'dense',
  columns: columnsOf,
  featureShape: (p, input) => [(p.missing_indicator ? 2 : 1) * columnsOf(input).length],
  check: (input) => {
    const cols = columnsOf(input);
    const dup = cols.find((c, i) => cols.indexOf(c) !== i);
    return dup === undefined ? [] : [{ path: ['columns'], message: `column '${dup}' is read twice` }];
  },
  createLoader: async (p, input) => {
    const names = columnsOf(input);
    const k = names.length;
    const na = new Set(['', ...p.na_values]);
    const loader: FeatureLoader<(number | null)[], NumericState> = {
      handlesMissing: true,
      normalization: 'none',
      read: (cells) => names.map((_, j) => parseNumber(cells[j] ?? '', na, j)),
      missingAction: p.missing === 'drop_row' ? 'drop_row' : `${p.missing}${p.missing_indicator ? ' + indicator' : ''}`,
      countMissing: (v) => v.reduce<number>((n, x) => n + (x === null ? 1 : 0), 0),
      drop: p.missing === 'drop_row' ? (v) => v.includes(null) : undefined,
      fit: (train) => ({
        columns: names.map((c, j) =>
          columnStats(
            c,
            train.map((v) => v[j] ?? null),
            p.missing,
          ),
        ),
      }),
      encode: (v, state) => {
        const out = new Float32Array(p.missing_indicator ? 2 * k : k);
        for (let j = 0; j < k; j++) {
          const s = state.columns[j]!;
          const x = v[j];
          out[j] = normalizeValue(x === null || x === undefined ? s.fill : x, s, p.normalize);
          if (p.missing_indicator) out[k + j] = x === null ? 1 : 0;
        }
        return out;
      },
      shape: () => numericModality.featureShape(p, input),
    };
    return loader;
  },
});
