/**
 * A metric is one definition: its name in configs and logs, the tasks it is computed for (and how), whether
 * lower or higher is better, its range, its display label, and the tasks that report it by default. Everything
 * else — the schema's lists and prose, the per-task defaults, the direction early stopping, ablation and plots
 * use, the labels of the report — is derived from the definitions (src/metrics/registry.ts).
 *
 * Adding a metric is adding a file to src/metrics/definitions/ that default-exports `defineMetric({...})`, then
 * `npm run schema` (which lists it in the generated catalog and the JSON Schema).
 */
import type { TaskName } from '../core/tasks.js';
import type { MetricInputs } from './inputs.js';

/** Whether a smaller ('min') or a larger ('max') value is better. */
export type Direction = 'min' | 'max';

/** How a metric is computed for each task it supports, from that task's inputs (src/metrics/inputs.ts). */
export type MetricCompute = { readonly [T in TaskName]?: (input: MetricInputs[T]) => number };

export interface MetricSpec<N extends string = string> {
  /** the key under `evaluation.metrics`, logged as `val_<name>` / `test_<name>` */
  readonly name: N;
  /** display name in plots and the report ("Macro F1") */
  readonly label: string;
  readonly direction: Direction;
  /** the values it can take, e.g. [0, 1]; [-Infinity, 1] for R² */
  readonly range: readonly [number, number];
  /** tasks whose `evaluation.metrics` default lists it */
  readonly defaultFor?: readonly TaskName[];
  /** tasks that report it whether requested or not (accuracy for classification and binary) */
  readonly always?: readonly TaskName[];
  /** one function per task it supports; its tasks are the keys */
  readonly compute: MetricCompute;
}

export interface MetricDefinition<N extends string = string> extends Required<MetricSpec<N>> {
  /** the tasks it supports (the keys of `compute`) */
  readonly tasks: readonly TaskName[];
}

const TASK_ORDER: readonly TaskName[] = ['classification', 'binary', 'multilabel', 'regression'];

export function defineMetric<const N extends string>(spec: MetricSpec<N>): MetricDefinition<N> {
  if (!/^[a-z][a-z0-9_]*$/.test(spec.name)) throw new Error(`metric name '${spec.name}': lower-case letters, digits and _`);
  const tasks = TASK_ORDER.filter((t) => spec.compute[t] !== undefined);
  if (tasks.length === 0) throw new Error(`metric '${spec.name}' computes for no task`);
  for (const t of [...(spec.defaultFor ?? []), ...(spec.always ?? [])])
    if (!tasks.includes(t)) throw new Error(`metric '${spec.name}' is a default or always reported for ${t}, which it does not compute`);
  return { defaultFor: [], always: [], ...spec, tasks };
}
