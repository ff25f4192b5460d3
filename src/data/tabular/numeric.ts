/**
 * Numeric columns: parsing, statistics from the training split, imputation and normalisation. Pure functions,
 * shared by the numeric input modality (and usable for a regression target).
 */
import { CellError } from '../modalities/modality.js';

export type NumericNormalize = 'standard' | 'minmax' | 'none';
export type NumericMissing = 'mean' | 'median' | 'zero' | 'drop_row';

/** What the training split says about one numeric column (statistics over its observed values). */
export interface ColumnStats {
  column: string;
  /** observed (non-missing) training values */
  count: number;
  mean: number;
  /** population standard deviation (ddof 0, as scikit-learn's StandardScaler); 1 when the column is constant */
  std: number;
  min: number;
  max: number;
  median: number;
  /** the raw value a missing cell is replaced with */
  fill: number;
}

/** The value of a cell, `null` when it is one of the missing markers; CellError when it is not a number. */
export function parseNumber(cell: string, naValues: ReadonlySet<string>, column = 0): number | null {
  const s = cell.trim();
  if (naValues.has(s)) return null;
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) {
    throw new CellError(
      `'${cell.length > 40 ? `${cell.slice(0, 40)}…` : cell}' is not a number`,
      column,
      'numeric inputs read plain numbers (1, -2.5, 3e4); empty cells are missing values',
    );
  }
  return v;
}

export function columnStats(column: string, values: readonly (number | null)[], missing: NumericMissing): ColumnStats {
  const seen = values.filter((v): v is number => v !== null);
  const count = seen.length;
  let sum = 0;
  for (const v of seen) sum += v;
  const mean = count ? sum / count : 0;
  let sq = 0;
  for (const v of seen) sq += (v - mean) * (v - mean);
  const std = count ? Math.sqrt(sq / count) : 0;
  const sorted = [...seen].sort((a, b) => a - b);
  const median = count ? (count % 2 ? sorted[(count - 1) / 2]! : (sorted[count / 2 - 1]! + sorted[count / 2]!) / 2) : 0;
  const min = count ? sorted[0]! : 0;
  const max = count ? sorted[count - 1]! : 0;
  const fill = missing === 'median' ? median : missing === 'mean' ? mean : 0;
  return { column, count, mean, std: std > 0 ? std : 1, min, max, median, fill };
}

/** A raw value normalised with a column's statistics. */
export function normalizeValue(v: number, s: ColumnStats, how: NumericNormalize): number {
  switch (how) {
    case 'standard':
      return (v - s.mean) / s.std;
    case 'minmax':
      return s.max > s.min ? (v - s.min) / (s.max - s.min) : 0;
    case 'none':
      return v;
  }
}
