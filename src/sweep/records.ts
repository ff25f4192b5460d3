/**
 * What a sweep remembers about its trials: the records kept in memory, written to the parent run as
 * `sweep/trials.json` after every change (what `--resume` reads back), the trials table as CSV, and the
 * best trial's ready-to-run config (`best.yaml`).
 */
import { scrubSecrets } from '../config/secrets.js';
import { stringify as toYaml } from 'yaml';
import { resolveConfigPath } from '../experiment/load.js';
import type { SweepPlan } from './plan.js';
import { showValue, type Assignment } from '../search/space.js';

export type TrialStatus = 'PENDING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface TrialRecord {
  number: number;
  params: Assignment;
  status: TrialStatus;
  /** stopped by early termination (status KILLED) */
  pruned?: boolean;
  /** why it was stopped or failed */
  reason?: string;
  runId?: string;
  /** the sweep metric for the weights the run kept (FINISHED), or its last reported value (pruned) */
  value?: number;
  /** the metric early termination watches, per epoch (index 0 = epoch 1) */
  history: number[];
  /** epochs completed */
  epochs: number;
  test?: Record<string, number>;
  error?: string;
  startTime?: number;
  endTime?: number;
  seconds?: number;
  /** CPUs the trial was pinned to */
  cpus?: number[];
}

export interface TrialsFile {
  version: 1;
  space_hash: string;
  /** what every trial shares besides its swept values (src/sweep/trial-config.ts); absent in older sweeps */
  trial_config?: Record<string, unknown>;
  trial_config_hash?: string;
  method: string;
  metric: { name: string; goal: string };
  seed: number;
  trials_budget: number;
  trials: TrialRecord[];
}

export const TRIALS_ARTIFACT = 'sweep/trials.json';

/** A trial that needs no re-run on resume: finished, or stopped by early termination (a decision, not an accident). */
export function isDone(t: TrialRecord): boolean {
  return t.status === 'FINISHED' || (t.status === 'KILLED' && t.pruned === true);
}

/** `a` better than `b` for the goal. */
export function better(goal: 'minimize' | 'maximize', a: number, b: number): boolean {
  return goal === 'minimize' ? a < b : a > b;
}

/** The best FINISHED trial (pruned ones never win: their training was cut short). */
export function bestTrial(trials: readonly TrialRecord[], goal: 'minimize' | 'maximize'): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    if (t.status !== 'FINISHED' || t.value === undefined || !Number.isFinite(t.value)) continue;
    if (!best || better(goal, t.value, best.value!)) best = t;
  }
  return best;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The trials table: one row per trial, the sampled values as columns. */
export function trialsCsv(trials: readonly TrialRecord[], paramPaths: readonly string[], metric: string): string {
  const testKeys = [...new Set(trials.flatMap((t) => Object.keys(t.test ?? {})))].sort();
  const header = [
    'trial',
    'status',
    'pruned',
    metric,
    'epochs',
    'seconds',
    'run_id',
    ...paramPaths,
    ...testKeys.filter((k) => k !== metric),
    'reason',
  ];
  const rows = [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => [
      String(t.number),
      t.status,
      t.pruned ? 'true' : 'false',
      t.value !== undefined ? String(t.value) : '',
      String(t.epochs),
      t.seconds !== undefined ? t.seconds.toFixed(1) : '',
      t.runId ?? '',
      ...paramPaths.map((p) => (p in t.params ? showValue(t.params[p]) : '')),
      ...testKeys.filter((k) => k !== metric).map((k) => (t.test?.[k] !== undefined ? String(t.test[k]) : '')),
      t.reason ?? t.error?.split('\n')[0] ?? '',
    ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Sets a dotted path (numeric segments index lists) in a plain-object tree, creating sections as needed. */
export function setPath(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const segs = dotted.split('.');
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = /^\d+$/.test(segs[i]!) ? Number(segs[i]) : segs[i]!;
    let next = node[s];
    if (next === null || typeof next !== 'object') {
      next = {};
      node[s] = next;
    }
    node = next as Record<string | number, unknown>;
  }
  const last = segs[segs.length - 1]!;
  node[/^\d+$/.test(last) ? Number(last) : last] = structuredClone(value);
}

/**
 * The best trial as a config `mmx run` takes as it is: the sweep's config (extends merged, the user's `--set`
 * applied, no defaults filled in) with the trial's values, without the `sweep:` section, and the data path
 * made absolute so the file works from any folder.
 */
export function bestConfigYaml(plan: SweepPlan, trial: TrialRecord, parentRunId: string): string {
  const merged = structuredClone(plan.base.merged);
  delete merged.sweep;
  for (const [p, v] of Object.entries(trial.params)) setPath(merged, p, v);
  const data = merged.data as Record<string, unknown> | undefined;
  if (data && typeof data.path === 'string') data.path = resolveConfigPath(plan.base, ['data', 'path'], data.path);
  const body = toYaml(merged);
  // secrets the config held (a URL's password, credential ${VAR}s) are never written (src/config/secrets.ts)
  const clean = scrubSecrets(body);
  const lines = [
    `# Best trial of mmx sweep ${parentRunId}: trial ${trial.number}, ${plan.metric.name} = ${trial.value}`,
    `# from ${plan.file}; run it with: mmx run best.yaml`,
    ...(clean !== body ? ['# secrets in it are masked as ***: put them back (or their ${VAR}s) before running it'] : []),
    ...Object.entries(trial.params).map(([p, v]) => `#   ${p} = ${showValue(v)}`),
  ];
  return lines.join('\n') + '\n' + clean;
}
