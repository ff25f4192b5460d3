/**
 * Rows of raw inputs as a program hands them over (the library's `predict`, a served request): one object per row,
 * keyed by the manifest columns the model reads (`rawColumns`), with JSON values. They become manifest cells —
 * text, exactly as a manifest file would hold them — so that `featuresFromState` prepares them with the training
 * run's loaders and fitted state.
 */
import { suggestion } from '../config/did-you-mean.js';
import type { RawColumn } from '../data/raw-columns.js';
import { RowError } from './row-error.js';
import type { RawRow, RawValue } from './types.js';

export type { RawRow, RawValue } from './types.js';

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;

/** One value as a manifest cell ('' for missing), or a RowError naming the row and column. */
function cellOf(value: RawValue | undefined, column: RawColumn, row: number): string {
  if (value === null || value === undefined) {
    if (column.required)
      throw new RowError(
        row,
        column.name,
        `a value is required (input '${column.input}' does not accept a missing ${column.modality} value)`,
      );
    return '';
  }
  if (typeof value === 'object') {
    if (column.file && !Array.isArray(value) && typeof value.base64 === 'string' && Object.keys(value).length === 1) {
      return `data:;base64,${value.base64}`;
    }
    const what = column.file ? `a path, a data: URI or {"base64": "..."}` : column.type === 'double' ? 'a number' : 'text';
    throw new RowError(row, column.name, `expected ${what}, got ${describe(value)}`);
  }
  if (column.type === 'double' && typeof value === 'boolean') throw new RowError(row, column.name, 'expected a number, got a boolean');
  if (column.file && typeof value !== 'string')
    throw new RowError(row, column.name, `expected a path or base64 data, got ${describe(value)}`);
  if (column.modality === 'text' && typeof value !== 'string')
    throw new RowError(row, column.name, `expected text, got ${describe(value)}`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RowError(row, column.name, 'expected a finite number');
  return String(value);
}

/**
 * The rows as manifest cells. Unknown keys are errors (with a did-you-mean), except the names in `ignore` (the
 * target column: labelled rows can be sent as they are).
 */
export function rowsToCells(
  rows: readonly RawRow[],
  columns: readonly RawColumn[],
  ignore: readonly string[] = [],
): Record<string, string>[] {
  const known = new Set(columns.map((c) => c.name));
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new RowError(i, undefined, `a row is an object of column values, got ${describe(row)}`);
    for (const key of Object.keys(row)) {
      if (!known.has(key) && !ignore.includes(key)) {
        throw new RowError(
          i,
          key,
          `the model reads no column '${key}'`,
          suggestion(
            key,
            columns.map((c) => c.name),
            'one of the columns',
          ),
        );
      }
    }
    const cells: Record<string, string> = {};
    for (const c of columns) cells[c.name] = cellOf(row[c.name], c, i).trim();
    return cells;
  });
}
