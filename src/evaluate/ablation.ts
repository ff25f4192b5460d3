/**
 * The modality contribution report: the test set re-evaluated with each modality masked in turn (its tokens
 * masked for a fusion over tokens, its embedding zeroed for the others), and what each metric loses.
 */
import type { SplitData, TargetState } from '../data/dataset.js';
import { withMasked, type BuiltModel } from '../model/build.js';
import type { AblationRow, EvaluationResult } from '../core/run-events.js';
import { evaluateTask } from './task-metrics.js';
import { metricDirection } from '../metrics/registry.js';
import { predictSplit } from './predict.js';

/** `target`: the task's target, or the class list (classification). */
export async function modalityAblation(
  built: BuiltModel,
  test: SplitData,
  target: TargetState | string[],
  metrics: readonly string[],
  full: EvaluationResult,
): Promise<AblationRow[]> {
  const t: TargetState = Array.isArray(target) ? { column: '', task: 'classification', classes: target } : target;
  const rows: AblationRow[] = [];
  for (const input of built.inputs) {
    const preds = await withMasked(built, [input.name], () => predictSplit(built.predictor, test, built.inputs, t));
    const report = evaluateTask('test', t, test, preds.probabilities, metrics).result;
    const drop: Record<string, number> = {};
    for (const [k, v] of Object.entries(report.metrics)) {
      const base = full.metrics[k];
      // for a loss or an error, the drop is how much it rises
      if (base !== undefined) drop[k] = metricDirection(k) === 'min' ? v - base : base - v;
    }
    rows.push({ modality: input.name, masking: built.masks[input.name]?.missing ?? 'zero', metrics: report.metrics, drop });
  }
  return rows;
}

export function ablationCsv(rows: AblationRow[]): string {
  const keys = Object.keys(rows[0]?.metrics ?? {});
  const header = ['modality', 'masking', ...keys.map((k) => `test_${k}_without`), ...keys.map((k) => `drop_${k}`)];
  return (
    [
      header.join(','),
      ...rows.map((r) =>
        [r.modality, r.masking, ...keys.map((k) => String(r.metrics[k])), ...keys.map((k) => String(r.drop[k]))].join(','),
      ),
    ].join('\n') + '\n'
  );
}
