/** What a sweep tells its UI (Ink table or plain lines) as it goes. */
import type { TrialRecord } from './records.js';
import type { Assignment } from '../search/space.js';

/** How a sweep ended: what `runSweep` returns and the `sweep_end` event carries. */
export interface SweepResult {
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  parentRunId: string;
  experimentId: string;
  trials: TrialRecord[];
  best?: TrialRecord;
  /** where best.yaml and trials.csv were written */
  bestYaml?: string;
  trialsCsv?: string;
  trackingUri: string;
  artifactDir?: string;
  seconds: number;
}

export interface SweepStartInfo {
  name: string;
  experiment: string;
  configPath: string;
  method: 'grid' | 'random' | 'bayes';
  metric: string;
  goal: 'minimize' | 'maximize';
  /** trials in the whole sweep (including ones a resumed sweep already has) */
  total: number;
  parallel: number;
  parentRunId: string;
  trackingUri: string;
  /** the swept (non-constant) parameter paths, in the config's order */
  params: string[];
  /** CPUs per slot, and whether they are pinned (taskset) */
  cpus: number[][];
  pinned: boolean;
  /** trials kept from an earlier session (resume) */
  previous: TrialRecord[];
  earlyTerminate?: string;
}

export type SweepEvent =
  | { type: 'sweep_start'; info: SweepStartInfo }
  | { type: 'trial_start'; trial: number; params: Assignment; cpus: number[] }
  | { type: 'trial_run'; trial: number; runId: string }
  | { type: 'trial_phase'; trial: number; phase: string; detail?: string }
  | { type: 'trial_epoch'; trial: number; epoch: number; epochs: number; value?: number; seconds: number }
  | { type: 'trial_end'; record: TrialRecord }
  | { type: 'best'; record: TrialRecord }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | ({ type: 'sweep_end' } & SweepResult);
