import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics, type CheckedConfig } from '../../src/experiment/semantic.js';
import type { RunEvent } from '../../src/core/run-events.js';
import { tempDir } from '../helpers/tmp.js';

export const tmp = (): string => tempDir('mmx-data-');

/** Writes `x.yaml` (and optionally a manifest) into `dir` and loads + checks it. */
export function checked(dir: string, yaml: string, manifest?: { name: string; text: string }): CheckedConfig {
  if (manifest) writeFileSync(path.join(dir, manifest.name), manifest.text);
  writeFileSync(path.join(dir, 'x.yaml'), yaml);
  return checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
}

/** Collects the RunEvents of a call. */
export function collector(): { events: RunEvent[]; emit: (e: RunEvent) => void; logs: () => string[] } {
  const events: RunEvent[] = [];
  return { events, emit: (e) => events.push(e), logs: () => events.flatMap((e) => (e.type === 'log' ? [e.message] : [])) };
}

/** The features of example k of an input, as a plain array. */
export function row(features: Float32Array, size: number, k: number): number[] {
  return Array.from(features.subarray(k * size, (k + 1) * size));
}

export function close(actual: readonly number[], expected: readonly number[], tol = 1e-5): boolean {
  return actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]!) <= tol);
}
