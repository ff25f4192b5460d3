/**
 * The next trial's values, by method: grid (combination n-1, in order), random (independent draws from the
 * priors; trial n's values depend only on the seed and n, so a resumed sweep draws the same ones), bayes
 * (random for the first `n_startup_trials` finished trials, then TPE over the finished and pruned ones).
 */
import { isDone, type TrialRecord } from './records.js';
import { seededRandom } from '../search/random.js';
import { gridPoint, sampleAssignment, type Assignment, type ParamDef } from '../search/space.js';
import { tpePropose, type TpeObservation } from '../search/tpe.js';

export interface SamplerSettings {
  method: 'grid' | 'random' | 'bayes';
  defs: readonly ParamDef[];
  seed: number;
  nStartupTrials: number;
  goal: 'minimize' | 'maximize';
}

export function proposeTrial(s: SamplerSettings, records: readonly TrialRecord[], n: number): Assignment {
  if (s.method === 'grid') return gridPoint(s.defs, n - 1);
  if (s.method === 'random') return sampleAssignment(s.defs, s.seed, n);
  const sign = s.goal === 'minimize' ? 1 : -1;
  const observed: TpeObservation[] = records
    .filter((r) => isDone(r) && (r.pruned ? r.history.length > 0 : r.value !== undefined))
    .sort((a, b) => a.number - b.number)
    .map((r) => ({ params: r.params, loss: sign * (r.value ?? r.history[r.history.length - 1]!), pruned: r.pruned === true }));
  if (observed.length < s.nStartupTrials) return sampleAssignment(s.defs, s.seed, n);
  return tpePropose(s.defs, observed, seededRandom(s.seed, n, 0x7be));
}
