/** Predictions as CSV: one row per example with the manifest row, the label (when known), the predicted class and every class probability. */
import type { SplitData } from '../data/dataset.js';

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function predictionsCsv(split: SplitData, probabilities: Float32Array, predicted: Int32Array, classes: string[], withLabels: boolean): string {
  const k = classes.length;
  const header = ['row', ...(withLabels ? ['label'] : []), 'predicted', ...classes.map((c) => `p_${c}`)];
  const lines = [header.map(quote).join(',')];
  for (let i = 0; i < split.rows.length; i++) {
    const label = split.labels[i]!;
    const cells = [String(split.rows[i]! + 1)];
    if (withLabels) cells.push(label >= 0 ? classes[label]! : '');
    cells.push(classes[predicted[i]!]!);
    for (let c = 0; c < k; c++) cells.push(probabilities[i * k + c]!.toPrecision(6));
    lines.push(cells.map(quote).join(','));
  }
  return lines.join('\n') + '\n';
}
