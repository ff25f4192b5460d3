/**
 * What N repeated runs (seeds seed, seed+1, ...) say about a metric: mean, sample standard deviation and the 95 %
 * confidence interval of the mean (Student's t with N-1 degrees of freedom), as `0.991 ± 0.003` in tables.
 */

/** Student's t, two-sided 95 % (the 0.975 quantile), for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T975[df - 1]!;
  // beyond the table: the normal quantile plus the first term of the Cornish-Fisher expansion
  return 1.959964 + 2.372 / df;
}

export interface RepeatStats {
  mean: number;
  /** sample standard deviation (N-1); 0 for one value */
  sd: number;
  /** half the width of the 95 % confidence interval of the mean (NaN for one value) */
  ci95: number;
  n: number;
}

export function repeatStats(values: readonly number[]): RepeatStats {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, ci95: n > 1 ? (tQuantile975(n - 1) * sd) / Math.sqrt(n) : Number.NaN, n };
}

/** `0.991 ± 0.003`: the mean and sd with the same number of decimals, enough to show the sd's first digit. */
export function formatMeanSd(mean: number, sd: number): string {
  const decimals = sd > 0 && Number.isFinite(sd) ? Math.min(8, Math.max(3, -Math.floor(Math.log10(sd)))) : 3;
  return `${mean.toFixed(decimals)} ± ${sd.toFixed(decimals)}`;
}
