/**
 * The modality contribution report: the test set re-evaluated with each modality masked in turn (its
 * embedding zeroed, or replaced by the fusion's learned "missing" token), and what each metric loses.
 */
import type { SplitData } from '../data/dataset.js';
import { withMasked, type BuiltModel } from '../model/build.js';
import type { AblationRow, EvaluationResult } from '../train/events.js';
import { classificationReport } from './classification-metrics.js';
import { predictSplit } from './predict.js';

export async function modalityAblation(built: BuiltModel, test: SplitData, classes: string[], metrics: readonly string[], full: EvaluationResult): Promise<AblationRow[]> {
  const rows: AblationRow[] = [];
  for (const input of built.inputs) {
    const preds = await withMasked(built, [input.name], () => predictSplit(built.predictor, test, built.inputs, classes.length));
    const report = classificationReport('test', test.labels, preds.predicted, classes, metrics, preds.loss);
    const drop: Record<string, number> = {};
    for (const [k, v] of Object.entries(report.metrics)) {
      const base = full.metrics[k];
      // for a loss, the drop is how much it rises
      if (base !== undefined) drop[k] = k === 'loss' ? v - base : base - v;
    }
    rows.push({ modality: input.name, masking: built.masks[input.name]?.missing ?? 'zero', metrics: report.metrics, drop });
  }
  return rows;
}

export function ablationCsv(rows: AblationRow[]): string {
  const keys = Object.keys(rows[0]?.metrics ?? {});
  const header = ['modality', 'masking', ...keys.map((k) => `test_${k}_without`), ...keys.map((k) => `drop_${k}`)];
  return [header.join(','), ...rows.map((r) => [r.modality, r.masking, ...keys.map((k) => String(r.metrics[k])), ...keys.map((k) => String(r.drop[k]))].join(','))].join('\n') + '\n';
}
