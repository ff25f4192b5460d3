/**
 * The confusion matrix as artifacts (`confusion_matrix.json` and `.csv`) and in `--json` output: dense (a row per
 * true class, a column per predicted class) up to DENSE_CONFUSION_MAX_CLASSES classes; above that sparse — only
 * the non-zero cells, one per line — so the files grow with the examples, never with the square of the classes.
 */
import type { EvaluationResult } from '../core/run-events.js';

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export type ConfusionJson =
  | { labels: string[]; matrix: number[][]; rows: 'true'; columns: 'predicted' }
  | { labels: string[]; format: 'sparse'; cells: { true: string; predicted: string; count: number }[]; note: string };

/** What `confusion_matrix.json` holds (and `--json` prints), or undefined when the task has no confusion matrix. */
export function confusionJson(r: Pick<EvaluationResult, 'labels' | 'confusion' | 'confusionCells'>): ConfusionJson | undefined {
  if (!r.labels.length) return undefined;
  if (r.confusionCells) {
    return {
      labels: r.labels,
      format: 'sparse',
      cells: r.confusionCells.map(([t, p, count]) => ({ true: r.labels[t]!, predicted: r.labels[p]!, count })),
      note: `${r.labels.length} classes: only the non-zero cells are listed`,
    };
  }
  return { labels: r.labels, matrix: r.confusion, rows: 'true', columns: 'predicted' };
}

/** `confusion_matrix.csv`: the dense table (`true\predicted` header), or `true,predicted,count` lines when sparse. */
export function confusionCsv(r: Pick<EvaluationResult, 'labels' | 'confusion' | 'confusionCells'>): string | undefined {
  if (!r.labels.length) return undefined;
  const labels = r.labels.map(quote);
  if (r.confusionCells) {
    return ['true,predicted,count', ...r.confusionCells.map(([t, p, count]) => `${labels[t]},${labels[p]},${count}`)].join('\n') + '\n';
  }
  return [['true\\predicted', ...labels].join(','), ...r.confusion.map((row, i) => [labels[i], ...row].join(','))].join('\n') + '\n';
}
