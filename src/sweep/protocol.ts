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
      bestEpoch?: number;
      /** the sweep metric of the finished run (the kept epoch's value; test_* from the test split) */
      value?: number;
      error?: string;
      /** a config or data problem (a user error), not a crash */
      userError?: boolean;
      seconds: number;
    };
