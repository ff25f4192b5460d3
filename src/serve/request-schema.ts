/**
 * The JSON Schema of `POST /predict`, made from the model's raw input columns: Fastify validates every request
 * against it, and `GET /metadata` shows it. A body holds rows in one of three forms:
 *
 *   {"rows": [{"image_path": "...", "age": 34}, ...]}                 mmx's
 *   {"dataframe_records": [...]}                                       MLflow's scoring protocol, the same rows
 *   {"dataframe_split": {"columns": [...], "data": [[...], ...]}}       MLflow's, as the model's input_example.json
 *
 * A value's JSON type follows its column: numeric inputs take numbers (or text a manifest would hold, "NA" ...),
 * text inputs strings, categorical ones strings, numbers or booleans, image and audio inputs a string (a path under
 * the served folder, or a base64 `data:` URI) or `{"base64": "..."}`. Columns a model cannot do without are
 * required and not null; others may be null or left out (missing).
 */
import type { RawColumn } from '../data/raw-column.js';

export type JsonSchema = { [key: string]: unknown };

export const ROW_FORMATS = ['rows', 'dataframe_records', 'dataframe_split'] as const;

function valueSchema(c: RawColumn): JsonSchema {
  const types =
    c.file !== undefined
      ? ['string', 'object']
      : c.type === 'double'
        ? ['number', 'string']
        : c.modality === 'categorical'
          ? ['string', 'number', 'boolean']
          : ['string'];
  const description = c.file
    ? `${c.file} file: a path under the served folder, a base64 data: URI, or {"base64": "..."}`
    : `${c.modality} input '${c.input}'`;
  return { type: c.required ? types : [...types, 'null'], description };
}

/** One row: every column the model reads (required ones present), the target column tolerated, nothing else. */
export function rowSchema(columns: readonly RawColumn[], target: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const c of columns) properties[c.name] = valueSchema(c);
  if (!(target in properties)) properties[target] = { description: 'the target column: ignored' };
  return {
    type: 'object',
    properties,
    required: columns.filter((c) => c.required).map((c) => c.name),
    additionalProperties: false,
  };
}

/** The whole body of `POST /predict` (at most `maxRows` rows). */
export function predictBodySchema(columns: readonly RawColumn[], target: string, maxRows: number): JsonSchema {
  const row = rowSchema(columns, target);
  const rows = { type: 'array', minItems: 1, maxItems: maxRows, items: row };
  return {
    type: 'object',
    properties: {
      rows,
      dataframe_records: rows,
      dataframe_split: {
        type: 'object',
        properties: {
          columns: { type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 1 },
          data: { type: 'array', minItems: 1, maxItems: maxRows, items: { type: 'array' } },
          index: { type: 'array', description: 'ignored' },
        },
        required: ['columns', 'data'],
        additionalProperties: false,
      },
    },
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
  };
}
