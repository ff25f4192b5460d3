/**
 * Manifest files: CSV, TSV or JSON Lines, one row per example. Every cell is kept as a string
 * (missing = ''), with the line it came from so errors can name it.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { FileReadError, readRegularFileSync } from '../io/regular-file.js';
import { DataError } from './errors.js';

/** Largest manifest read (a longer text is more than a JavaScript string holds). */
export const MAX_MANIFEST_BYTES = 512 * 2 ** 20;

export type ManifestFormat = 'csv' | 'tsv' | 'jsonl';

export interface Manifest {
  file: string;
  format: ManifestFormat;
  columns: string[];
  /** rows[i][column] */
  rows: Record<string, string>[];
  /** 1-based line in the file where row i starts */
  lines: number[];
}

export function formatFromPath(file: string): ManifestFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

export function readManifest(file: string, format?: ManifestFormat, limit?: number): Manifest {
  const fmt = format ?? formatFromPath(file);
  if (!fmt) {
    throw new DataError(
      `cannot tell the manifest format from the extension '${path.extname(file)}'`,
      { file },
      'use .csv, .tsv or .jsonl, or set data.format',
    );
  }
  let text: string;
  try {
    text = readRegularFileSync(file, MAX_MANIFEST_BYTES).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new DataError(err.code === 'missing' ? 'manifest file not found' : `cannot read manifest: ${err.reason}`, { file });
  }
  return fmt === 'jsonl' ? parseJsonl(text, file, limit) : parseDelimited(text, file, fmt, limit);
}

function parseDelimited(text: string, file: string, format: 'csv' | 'tsv', limit?: number): Manifest {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter: format === 'tsv' ? '\t' : ',',
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_quotes: false,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new DataError(`not valid ${format.toUpperCase()}: ${e.message.replace(/^Invalid \w+: /, '')}`, {
      file,
      ...(e.lines ? { line: e.lines } : {}),
    });
  }
  const header = records[0];
  if (!header) throw new DataError('manifest is empty (no header row)', { file });
  const columns = header.record.map((c) => c.trim());
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new DataError(`column '${dup}' appears twice in the header`, { file, line: 1 });
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  const body = records.slice(1, limit !== undefined ? limit + 1 : undefined);
  for (const [i, r] of body.entries()) {
    if (r.record.length !== columns.length) {
      throw new DataError(`has ${r.record.length} fields, the header has ${columns.length}`, { file, line: r.info.lines, row: i + 1 });
    }
    const row: Record<string, string> = {};
    columns.forEach((c, j) => (row[c] = r.record[j] ?? ''));
    rows.push(row);
    lines.push(r.info.lines);
  }
  return { file, format, columns, rows, lines };
}

function parseJsonl(text: string, file: string, limit?: number): Manifest {
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  const columns: string[] = [];
  const seen = new Set<string>();
  const all = text.split(/\r?\n/);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!.trim();
    if (line === '') continue;
    if (limit !== undefined && rows.length >= limit) break;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new DataError(`not valid JSON: ${(err as Error).message}`, { file, line: i + 1, row: rows.length + 1 });
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new DataError('each line must be a JSON object', { file, line: i + 1, row: rows.length + 1 });
    }
    const row: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
      row[k] = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    rows.push(row);
    lines.push(i + 1);
  }
  for (const row of rows) for (const c of columns) row[c] ??= '';
  return { file, format: 'jsonl', columns, rows, lines };
}
