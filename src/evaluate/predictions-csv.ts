/**
 * Predictions as CSV, one row per example with the manifest row and the label (when known):
 * - classification: the predicted class and every class probability (`p_<class>`);
 * - binary: the predicted class (p ≥ threshold) and both classes' probabilities;
 * - multilabel: the predicted labels (joined with the delimiter) and one probability per label;
 * - regression: the prediction in the target's units.
 */
import type { SplitData, TargetState } from '../data/dataset.js';
import { regressionValues } from './task-metrics.js';

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** `target`: the task's target, or the class list (classification). */
export function predictionsCsv(
  split: Pick<SplitData, 'rows' | 'labels' | 'targets'>,
  probabilities: Float32Array,
  predicted: Int32Array,
  target: TargetState | string[],
  withLabels: boolean,
): string {
  const t: TargetState = Array.isArray(target) ? { column: '', task: 'classification', classes: target } : target;
  const classes = t.classes;
  const n = split.rows.length;
  const width = n ? split.targets.length / n : 1;
  const labelled = (i: number): boolean => split.labels[i]! >= 0;
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
      const k = classes.length;
      header = ['predicted', ...classes.map((c) => `p_${c}`)];
      cells = (i) => {
        const p = Array.from(probabilities.subarray(i * k, (i + 1) * k));
        return [classes.filter((_, j) => p[j]! >= threshold).join(delimiter), ...p.map((v) => v.toPrecision(6))];
      };
      break;
    }
    case 'regression': {
      const { predicted: values } = regressionValues(t, new Float32Array(n), probabilities);
      header = ['predicted'];
      cells = (i) => [String(+values[i]!.toPrecision(7))];
      break;
    }
    default: {
      const k = classes.length;
      header = ['predicted', ...classes.map((c) => `p_${c}`)];
      cells = (i) => [classes[predicted[i]!]!, ...Array.from(probabilities.subarray(i * k, (i + 1) * k), (v) => v.toPrecision(6))];
    }
  }
  const labelText = (i: number): string => {
    if (!labelled(i)) return '';
    if (t.task === 'classification' || t.task === 'binary') return classes[split.labels[i]!]!;
    if (t.task === 'multilabel') return classes.filter((_, j) => split.targets[i * width + j]! > 0.5).join(t.delimiter ?? '|');
    const { mean, std } = t.normalization ?? { mean: 0, std: 1 };
    return String(+(split.targets[i]! * std + mean).toPrecision(7));
  };
  const lines = [['row', ...(withLabels ? ['label'] : []), ...header].map(quote).join(',')];
  for (let i = 0; i < n; i++)
    lines.push([String(split.rows[i]! + 1), ...(withLabels ? [labelText(i)] : []), ...cells(i)].map(quote).join(','));
  return lines.join('\n') + '\n';
}
