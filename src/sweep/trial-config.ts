/**
 * What every trial of a sweep is configured with besides its swept values: the resolved config without the
 * `sweep` section (the search space has its own hash), `tracking` (where runs are logged), `runtime` (how fast
 * and where it runs, not what it computes) and the swept paths. `--resume` refuses a config whose trials would
 * differ from the ones the sweep ran (a changed `training.epochs` would mix two experiments in one table), and
 * says what changed.
 */
import { createHash } from 'node:crypto';
import { scrubSecrets } from '../config/secrets.js';

export interface TrialBase {
  /** the part of the config every trial shares, secrets masked (it is stored with the sweep's records) */
  config: Record<string, unknown>;
  hash: string;
}

const LEFT_OUT = ['sweep', 'tracking', 'runtime'];

function deletePath(root: Record<string, unknown>, dotted: string): void {
  const keys = dotted.split('.');
  let node: unknown = root;
  for (const k of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, k)) return;
    node = (node as Record<string, unknown>)[k];
  }
  if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[keys[keys.length - 1]!];
}

/** Objects with their keys sorted, so the hash does not depend on the order keys were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function trialBase(config: object, sweptPaths: readonly string[]): TrialBase {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const k of LEFT_OUT) delete copy[k];
  for (const p of sweptPaths) deletePath(copy, p);
  const text = scrubSecrets(JSON.stringify(canonical(copy)));
  return { config: JSON.parse(text) as Record<string, unknown>, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

const show = (v: unknown): string => {
  const s = v === undefined ? '(not set)' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The paths whose values differ between two trial bases, as `path: before → after`. */
export function configChanges(before: unknown, after: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configChanges(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [`${prefix || '(the config)'}: ${show(before)} → ${show(after)}`];
}
