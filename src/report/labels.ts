/** Display names and number formats shared by the plots and the HTML report. */
import { definedLabel, metricDirection, metricRange } from '../metrics/registry.js';

const WORDS: Record<string, string> = {
  f1: 'F1',
  auc: 'AUC',
  roc: 'ROC',
  pr: 'PR',
  mae: 'MAE',
  mse: 'MSE',
  rmse: 'RMSE',
  r2: 'R²',
  map: 'mAP',
  iou: 'IoU',
};

/** `macro_f1` → "Macro F1", `loss` → "Loss": a metric's own label, else one made from the words of its name */
export function metricLabel(name: string): string {
  const defined = definedLabel(name);
  if (defined) return defined;
  const words = name.split(/[_\s]+/).filter(Boolean);
  if (!words.length) return name;
  return words.map((w, i) => WORDS[w.toLowerCase()] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
}

/** metrics where smaller is better (losses and errors): the metric registry's direction */
export function lowerIsBetter(name: string): boolean {
  return metricDirection(name) === 'min';
}

/** metrics that live in [0, 1]: by the metric registry's range, else by the name of a score */
export function isUnitInterval(name: string): boolean {
  const range = metricRange(name);
  if (range) return range[0] === 0 && range[1] === 1;
  return /(^|_)(accuracy|acc|f1|precision|recall|auc|iou|map)$/i.test(name);
}

/** 3 decimals for scores, more for tiny values, thousands separators for big ones */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs !== 0 && abs < 0.001) return value.toExponential(2);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return value.toFixed(abs >= 100 ? 1 : 3);
}
