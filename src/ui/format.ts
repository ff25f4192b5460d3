/**
 * Pure text formatting shared by the plain-line reporter and the Ink UI: durations, numbers,
 * rates, progress bars and a fixed-width table layout. Nothing here writes anything or emits
 * ANSI codes; colours are the Ink components' business. Durations: src/format/duration.ts (one format everywhere).
 */
import { formatDuration } from '../format/duration.js';

export { formatDuration };

/** Length of a string as a terminal shows it (code points; every glyph mmx uses is one cell wide). */
export function textWidth(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cut `text` to at most `width` cells, ending in `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(text) <= width) return text;
  return [...text].slice(0, Math.max(0, width - 1)).join('') + '…';
}

export type Align = 'left' | 'right';

export function pad(text: string, width: number, align: Align = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** `ETA 1m 05s`, or `ETA --` while there is nothing to estimate from. */
export function formatEta(seconds: number | undefined): string {
  return `ETA ${formatDuration(seconds)}`;
}

/** Integer with thousands separators, independent of the machine's locale: `1,234,567`. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Short magnitude: `999`, `12.3k`, `1.23M`, `4.56B`. */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size) {
      const v = n / size;
      const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
      return `${v.toFixed(digits)}${unit}`;
    }
  }
  return String(Math.round(n));
}

/** A metric value (loss, accuracy, F1...): three decimals in the usual range. */
export function formatMetric(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const abs = Math.abs(v);
  if (abs !== 0 && abs < 0.001) return v.toExponential(1);
  if (abs >= 10000) return formatCompact(v);
  if (abs >= 100) return v.toFixed(1);
  return v.toFixed(3);
}

/**
 * A throughput in one unit, samples a second, so a column of them compares at a glance: `7.5`, `612`, `12,345`
 * (never `12.3k` beside `9876`); `--` when unknown.
 */
export function formatSamplesPerSec(samplesPerSec: number): string {
  if (!Number.isFinite(samplesPerSec) || samplesPerSec < 0) return '--';
  return samplesPerSec >= 10 ? formatCount(samplesPerSec) : samplesPerSec.toFixed(1);
}

/** `612 samples/s`, `12,345 samples/s`. */
export function formatRate(samplesPerSec: number): string {
  return `${formatSamplesPerSec(samplesPerSec)} samples/s`;
}

/** `1,234,567 (1.23M)`; small counts without the short form. */
export function formatParams(n: number): string {
  return n >= 10000 ? `${formatCount(n)} (${formatCompact(n)})` : formatCount(n);
}

/** Feature shape `[28, 28, 1]` as `28x28x1`; a scalar feature as `1`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? '1' : shape.join('x');
}

/** Whole percent, floored so 100% means done: `37%`. */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '--%';
  return `${Math.floor((Math.min(done, total) / total) * 100)}%`;
}

export interface BarGlyphs {
  full: string;
  empty: string;
}

export const BLOCK_GLYPHS: BarGlyphs = { full: '█', empty: '░' };
export const ASCII_GLYPHS: BarGlyphs = { full: '#', empty: '-' };

/** A progress bar exactly `width` cells wide for `fraction` in [0, 1]. */
export function progressBar(fraction: number, width: number, glyphs: BarGlyphs = BLOCK_GLYPHS): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return glyphs.full.repeat(full) + glyphs.empty.repeat(Math.max(0, width - full));
}

/** Quote a value for a POSIX shell only when it needs it. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Fixed-width tables

export interface TableColumn {
  header: string;
  align?: Align;
  /** cells longer than this are cut with `…` */
  maxWidth?: number;
}

/** A table whose cells are already padded to their column's width. */
export interface TableLayout {
  widths: number[];
  header: string[];
  rows: string[][];
}

/** Pad every cell to its column's width; `header: false` leaves the headers out of the widths. */
export function layoutTable(
  columns: readonly TableColumn[],
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { header?: boolean } = {},
): TableLayout {
  const cut = (text: string, i: number): string => {
    const max = columns[i]?.maxWidth;
    return max === undefined ? text : truncate(text, max);
  };
  const cutRows = rows.map((row) => columns.map((_, i) => cut(row[i] ?? '', i)));
  const cutHeader = columns.map((c, i) => (options.header === false ? '' : cut(c.header, i)));
  const widths = columns.map((_, i) => Math.max(textWidth(cutHeader[i] ?? ''), ...cutRows.map((r) => textWidth(r[i] ?? ''))));
  const padRow = (row: readonly string[]): string[] => row.map((cell, i) => pad(cell, widths[i] ?? 0, columns[i]?.align ?? 'left'));
  return { widths, header: padRow(cutHeader), rows: cutRows.map(padRow) };
}

export const TABLE_GAP = '  ';

/** Join padded cells into one line, without trailing blanks. */
export function joinCells(cells: readonly string[], gap: string = TABLE_GAP): string {
  return cells.join(gap).trimEnd();
}

export interface FormatTableOptions {
  indent?: string;
  /** print the header row (default true) */
  header?: boolean;
}

/** The table as lines of text, header first. */
export function formatTable(
  columns: readonly TableColumn[],
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: FormatTableOptions = {},
): string[] {
  const indent = options.indent ?? '';
  const layout = layoutTable(columns, rows, { header: options.header !== false });
  const lines = options.header === false ? [] : [indent + joinCells(layout.header)];
  for (const row of layout.rows) lines.push(indent + joinCells(row));
  return lines;
}
