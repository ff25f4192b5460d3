/**
 * The model's input example (`input_example.json`): a few rows of the raw inputs from the test split, as MLflow
 * saves a DataFrame example (`{"columns": [...], "data": [[...]]}`, pandas' split orient without the index).
 * Numbers are JSON numbers (null where missing); an image or audio file is inlined as a base64 data URI, so the
 * example is self-contained and can be posted to `mmx serve` as it is (`{"dataframe_split": <example>}`).
 */
import path from 'node:path';
import type { Manifest } from '../data/manifest.js';
import { toDataUri } from '../data/files/data-uri.js';
import { readMediaFile } from '../data/files/media-file.js';
import type { RawColumn } from '../data/raw-columns.js';
import type { PyJsonValue } from '../tracking/py-json.js';

/** Files larger than this stay paths in the example (relative to the manifest) rather than being inlined. */
export const MAX_INLINE_FILE_BYTES = 256 * 1024;

export interface InputExample {
  columns: string[];
  data: PyJsonValue[][];
}

async function cellValue(column: RawColumn, cell: string, baseDir: string): Promise<PyJsonValue> {
  if (cell === '') return null;
  if (column.type === 'double') {
    const n = Number(cell);
    return Number.isFinite(n) ? n : cell;
  }
  if (!column.file) return cell;
  try {
    const bytes = await readMediaFile(path.resolve(baseDir, cell), column.file, MAX_INLINE_FILE_BYTES);
    return toDataUri(bytes);
  } catch {
    return cell;
  }
}

/** The example from manifest rows `rows` (the first `limit` of them); undefined when there are none. */
export async function inputExample(
  manifest: Manifest,
  columns: readonly RawColumn[],
  rows: readonly number[],
  limit = 2,
): Promise<InputExample | undefined> {
  const picked = rows.slice(0, limit);
  if (picked.length === 0) return undefined;
  const baseDir = path.dirname(manifest.file);
  const data: PyJsonValue[][] = [];
  for (const i of picked) {
    const row = manifest.rows[i] ?? {};
    data.push(await Promise.all(columns.map((c) => cellValue(c, (row[c.name] ?? '').trim(), baseDir))));
  }
  return { columns: columns.map((c) => c.name), data };
}
