/**
 * The facts derived from the metric definitions (src/metrics/definitions/, listed in the generated catalog):
 * the names `evaluation.metrics` accepts, which metrics each task computes and reports by default, whether a
 * logged metric is better lower or higher, its range and label — and the computation of the requested metrics.
 */
import type { TaskName } from '../core/tasks.js';
import { metricCatalog } from './generated/catalog.js';
import type { Direction, MetricDefinition } from './define.js';
import type { MetricInputs } from './inputs.js';

export type MetricName = (typeof metricCatalog)[number]['name'];

/** Every metric `evaluation.metrics` may name, in catalog order. */
export const metricNames: readonly MetricName[] = metricCatalog.map((m) => m.name);

const byName = new Map<string, MetricDefinition>(metricCatalog.map((m) => [m.name, m]));

/** The training loss is not a metric one requests, but it is logged, plotted and monitored like one. */
const LOSS = { name: 'loss', label: 'Loss', direction: 'min', range: [0, Infinity] } as const;

export function findMetric(name: string): MetricDefinition | undefined {
  return byName.get(name);
}

/** The metrics a task computes, in catalog order. */
export function taskMetrics(task: TaskName): MetricName[] {
  return metricCatalog.filter((m) => m.tasks.includes(task)).map((m) => m.name);
}

/** What `evaluation.metrics` is when not written. */
export function defaultMetrics(task: TaskName): MetricName[] {
  return metricCatalog.filter((m) => m.defaultFor.includes(task)).map((m) => m.name);
}

/** The metrics a task reports whether requested or not (accuracy for classification and binary). */
export function alwaysReported(task: TaskName): MetricName[] {
  return metricCatalog.filter((m) => m.always.includes(task)).map((m) => m.name);
}

/** `val_macro_f1` → `macro_f1`: a logged key without its split prefix. */
export function baseMetricName(key: string): string {
  return key.replace(/^(train|val|test)_/, '');
}

/** Whether lower or higher is better for a logged metric mmx defines (`val_loss`, `test_macro_f1`, ...), else undefined. */
export function knownMetricDirection(key: string): Direction | undefined {
  const name = baseMetricName(key);
  return name === LOSS.name ? LOSS.direction : byName.get(name)?.direction;
}

/**
 * Whether lower or higher is better for a logged metric (`val_loss`, `test_macro_f1`, `hamming_loss`, ...): from
 * its definition; a name mmx does not define is 'min' when it names a loss or an error, else 'max'. Early
 * stopping's `mode: auto`, the learning-rate plateau, ablation's drops, the sweep's goal check and the plots use it.
 */
export function metricDirection(key: string): Direction {
  return knownMetricDirection(key) ?? (/(^|_)(loss|mae|mse|rmse|error|err|perplexity)$/i.test(baseMetricName(key)) ? 'min' : 'max');
}

/** The range of a logged metric when mmx knows it. */
export function metricRange(key: string): readonly [number, number] | undefined {
  const name = baseMetricName(key);
  return name === LOSS.name ? LOSS.range : byName.get(name)?.range;
}

/** The display label of a metric mmx defines ("Macro F1"), else undefined. */
export function definedLabel(name: string): string | undefined {
  return name === LOSS.name ? LOSS.label : byName.get(name)?.label;
}

/**
 * The metrics of one split: `loss` first when given, then the task's always-reported metrics, then the requested
 * ones in the order asked (a name the task does not compute is left out).
 */
export function computeMetrics<T extends TaskName>(
  task: T,
  input: MetricInputs[T],
  requested: readonly string[],
  loss?: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (loss !== undefined) out.loss = loss;
  for (const name of new Set([...alwaysReported(task), ...requested])) {
    const compute = byName.get(name)?.compute[task];
    if (compute) out[name] = compute(input);
  }
  return out;
}

/** `evaluation.metrics`'s description in the schema: the metrics of each task and the defaults. */
export function metricsDescription(tasks: readonly TaskName[]): string {
  const lists = tasks.map((t) => `${t}: ${taskMetrics(t).join(', ')}`).join('; ');
  const [first, ...rest] = tasks;
  const defaults = first
    ? `Default: ${defaultMetrics(first).join(', ')} (${rest.map((t) => `${t}: ${defaultMetrics(t).join(', ')}`).join('; ')})`
    : '';
  return `metrics computed on validation (each epoch) and test (at the end). ${lists}. ${defaults}`;
}
