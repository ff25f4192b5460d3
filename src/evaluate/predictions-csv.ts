/**
 * Predictions as CSV, one row per example with its id (the manifest row, or a column of the data) and the label (when
 * known):
 * - classification: the predicted class and every class probability (`p_<class>`);
 * - binary: the predicted class (p ≥ threshold) and both classes' probabilities;
 * - multilabel: the predicted labels (joined with the delimiter) and one probability per label;
 * - regression: the prediction in the target's units.
 * With more than PROBABILITY_COLUMNS_MAX_CLASSES classes (or labels) a row holds the TOP_K most probable ones
 * instead (`top_1`, `p_top_1`, ..., `top_5`, `p_top_5`): a column per class would make the file grow with
 * examples × classes (10,000 × 10,000 is a gigabyte). The text is assembled in chunks, never as one string.
 */
import type { SplitData, TargetState } from '../data/dataset.js';
import { regressionValues } from './task-metrics.js';

/** Classes (or labels) up to which every probability has a column of its own. */
export const PROBABILITY_COLUMNS_MAX_CLASSES = 50;
/** How many of the most probable classes a row lists above that. */
export const TOP_K = 5;

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The indices of the `k` largest values of `p` (largest first; ties: the lower index first). */
export function topIndices(p: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < p.length; j++) {
    if (best.length === k && !(p[j]! > p[best[k - 1]!]!)) continue;
    let at = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(j);
    while (at > 0 && p[j]! > p[best[at - 1]!]!) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = j;
  }
  return best;
}

/** The id column of the predictions: its header and each example's value (default: `row`, the 1-based manifest row). */
export interface IdColumn {
  name: string;
  /** the id of the example at manifest row `row` (0-based) */
  of(row: number): string;
}

export const MANIFEST_ROW_ID: IdColumn = { name: 'row', of: (row) => String(row + 1) };

/** `target`: the task's target, or the class list (classification). */
export function predictionsCsv(
  split: Pick<SplitData, 'rows' | 'labels' | 'targets'>,
  probabilities: Float32Array,
  predicted: Int32Array,
  target: TargetState | string[],
  withLabels: boolean,
  id: IdColumn = MANIFEST_ROW_ID,
): Buffer {
  const t: TargetState = Array.isArray(target) ? { column: '', task: 'classification', classes: target } : target;
  const classes = t.classes;
  const n = split.rows.length;
  const width = n ? split.targets.length / n : 1;
  const labelled = (i: number): boolean => split.labels[i]! >= 0;
  const k = classes.length;
  const topK = (t.task === 'classification' || t.task === 'multilabel') && k > PROBABILITY_COLUMNS_MAX_CLASSES;
  const probabilityHeader = topK
    ? Array.from({ length: Math.min(TOP_K, k) }, (_, r) => [`top_${r + 1}`, `p_top_${r + 1}`]).flat()
    : classes.map((c) => `p_${c}`);
  const probabilityCells = (i: number): string[] => {
    const p = probabilities.subarray(i * k, (i + 1) * k);
    if (!topK) return Array.from(p, (v) => v.toPrecision(6));
    return topIndices(p, TOP_K).flatMap((j) => [classes[j]!, p[j]!.toPrecision(6)]);
  };
  let header: string[];
  let cells: (i: number) => string[];
  switch (t.task) {
    case 'binary':
      header = ['predicted', ...classes.map((c) => `p_${c}`)];
      cells = (i) => [classes[predicted[i]!]!, (1 - probabilities[i]!).toPrecision(6), probabilities[i]!.toPrecision(6)];
      break;
    case 'multilabel': {
      const threshold = t.threshold ?? 0.5;
      const delimiter = t.delimiter ?? '|';
      header = ['predicted', ...probabilityHeader];
      cells = (i) => {
        const p = probabilities.subarray(i * k, (i + 1) * k);
        return [classes.filter((_, j) => p[j]! >= threshold).join(delimiter), ...probabilityCells(i)];
      };
      break;
    }
    case 'regression': {
      const { predicted: values } = regressionValues(t, new Float32Array(n), probabilities);
      header = ['predicted'];
      cells = (i) => [String(+values[i]!.toPrecision(7))];
      break;
    }
    default:
      header = ['predicted', ...probabilityHeader];
      cells = (i) => [classes[predicted[i]!]!, ...probabilityCells(i)];
  }
  const labelText = (i: number): string => {
    if (!labelled(i)) return '';
    if (t.task === 'classification' || t.task === 'binary') return classes[split.labels[i]!]!;
    if (t.task === 'multilabel') return classes.filter((_, j) => split.targets[i * width + j]! > 0.5).join(t.delimiter ?? '|');
    const { mean, std } = t.normalization ?? { mean: 0, std: 1 };
    return String(+(split.targets[i]! * std + mean).toPrecision(7));
  };
  const chunks: Buffer[] = [];
  let lines: string[] = [[id.name, ...(withLabels ? ['label'] : []), ...header].map(quote).join(',')];
  let size = lines[0]!.length;
  for (let i = 0; i < n; i++) {
    const line = [id.of(split.rows[i]!), ...(withLabels ? [labelText(i)] : []), ...cells(i)].map(quote).join(',');
    lines.push(line);
    size += line.length + 1;
    if (size > 1 << 22) {
      chunks.push(Buffer.from(lines.join('\n') + '\n', 'utf8'));
      lines = [];
      size = 0;
    }
  }
  if (lines.length) chunks.push(Buffer.from(lines.join('\n') + '\n', 'utf8'));
  return Buffer.concat(chunks);
}
