/** Messages between the sweep coordinator and a trial's worker process (Node IPC, JSON-serialised). */

/** coordinator → worker */
export type ToWorker =
  | {
      type: 'start';
      trial: number;
      /** absolute config path, working directory and the `--set` overrides (the user's, then the trial's) */
      file: string;
      cwd: string;
      overrides: string[];
      /** tags on the trial's run: mlflow.parentRunId, sweep.trial, ... */
      tags: Record<string, string>;
      runName: string;
      /** the sweep's metric: the worker reports its value for the weights the run keeps */
      metric: string;
      /** secrets the coordinator's config held (src/config/secrets.ts), masked by the trial too */
      secrets?: string[];
    }
  /** stop after the current batch; the run ends KILLED with `reason` as mmx.killed_reason */
  | { type: 'stop'; reason: string };

/** worker → coordinator */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'run'; runId: string; experimentId: string }
  | { type: 'phase'; phase: string; detail?: string }
  | { type: 'epoch'; epoch: number; epochs: number; metrics: Record<string, number>; best: boolean; seconds: number }
  | {
      type: 'done';
      status: 'FINISHED' | 'FAILED' | 'KILLED';
      runId?: string;
      /** final test metrics (FINISHED) */
      test?: Record<string, number>;
      /** the epoch whose weights the run kept and evaluated */
      evaluatedEpoch?: number;
      /** the sweep metric of the finished run (the evaluated epoch's value; test_* from the test split) */
      value?: number;
      error?: string;
      /** a config or data problem (a user error), not a crash */
      userError?: boolean;
      /** queue workers: another attempt of the trial had already finished it, so this run ended KILLED */
      duplicate?: boolean;
      seconds: number;
    };

/**
 * Queue workers (`mmx worker`) speak the same protocol to their trial processes, plus one exchange: before a
 * run ends FINISHED the trial asks (`finishing`) and the worker answers (`finish`) after claiming the trial's
 * finish key in Redis, so that a duplicate delivery of a trial never ends a second run FINISHED.
 */
export type ToQueueTrial = ToWorker | { type: 'finish'; ok: boolean; reason?: string };
export type FromQueueTrial = FromWorker | { type: 'finishing'; runId: string };
