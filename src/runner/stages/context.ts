/**
 * What every stage of a run (src/runner/stages/*) reads: the checked config, the caller's options, the run's
 * recorder and the facts fixed when it was opened (backend, resume plan, config hash, start time).
 */
import type { BackendInfo } from '../../backend/select.js';
import type { CheckedConfig } from '../../experiment/semantic.js';
import type { ExperimentConfig } from '../../experiment/schema.js';
import type { RunInfo, Tracker } from '../../tracking/tracker.js';
import type { RunEvent } from '../../core/run-events.js';
import type { RunRecorder } from '../recorder/run-recorder.js';
import type { ResumePlan } from '../resume.js';

export interface RunOptions {
  emit: (e: RunEvent) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** called as soon as the tracking run exists (so a second Ctrl-C can end it synchronously) */
  onRunCreated?: (tracker: Tracker, run: RunInfo) => void;
  /** extra tags on the run, set last (sweep trials: `mlflow.parentRunId`, `sweep.trial`, ...) */
  extraTags?: Record<string, string>;
  /** the run's name instead of the config's `name` (sweep trials) */
  runName?: string;
  /** `mmx run --resume RUN_ID`: continue this run from its last checkpoint (src/runner/resume.ts) */
  resume?: string;
}

export interface RunContext {
  checked: CheckedConfig;
  config: ExperimentConfig;
  options: RunOptions;
  emit: (e: RunEvent) => void;
  warn: (message: string) => void;
  info: (message: string) => void;
  env: NodeJS.ProcessEnv;
  recorder: RunRecorder;
  /** the experiment the config names (the run's) */
  experimentId: string;
  backend: BackendInfo;
  /** `mmx run --resume`: the run being continued, checked before anything about it changed */
  plan: ResumePlan | undefined;
  /** `mmx.config_hash` */
  hash: string;
  /** the config file as shown: relative to the config's base directory */
  configDisplay: string;
  /** performance.now() when the run began */
  t0: number;
}
