/**
 * What a trial process (local worker or queue trial) shares: loading and checking its config, limiting its
 * threads, and what it reports to its coordinator: phases and per-epoch metrics
 * while the run goes, then one `done` message — the value of the sweep metric at the epoch whose weights the
 * run keeps, or why it failed or was stopped.
 */
import { ConfigError } from '../config/issues.js';
import { loadConfig } from '../experiment/load.js';
import { checkSemantics, type CheckedConfig } from '../experiment/semantic.js';
import { DataError } from '../data/errors.js';
import type { RunResult } from '../runner/run-experiment.js';
import type { RunEvent } from '../core/run-events.js';
import type { FromWorker } from './protocol.js';

type Done = FromWorker & { type: 'done' };

export interface EpochSeen {
  metrics: Record<string, number>;
  best: boolean;
}

/** The RunEvent listener a trial runs with: forwards phases and epochs, and remembers each epoch. */
export function trialEmitter(send: (m: FromWorker) => Promise<void>, epochs: EpochSeen[]): (e: RunEvent) => void {
  return (e) => {
    if (e.type === 'phase') void send({ type: 'phase', phase: e.phase, ...(e.detail !== undefined ? { detail: e.detail } : {}) });
    else if (e.type === 'epoch_end') {
      epochs.push({ metrics: e.metrics, best: e.best });
      void send({ type: 'epoch', epoch: e.epoch, epochs: e.epochs, metrics: e.metrics, best: e.best, seconds: e.seconds });
    }
  };
}

/**
 * `done` for a finished run: test metrics, the evaluated epoch (the trainer's word: the best one with restore_best,
 * else the last) and the sweep metric's value there.
 */
export function finishedTrial(result: RunResult, epochs: EpochSeen[], metric: string, seconds: number): Done {
  const test = Object.fromEntries(Object.entries(result.test.metrics).map(([k, v]) => [`test_${k}`, v]));
  const evaluated = result.training.evaluatedEpoch;
  const value = metric in test ? test[metric] : epochs[evaluated - 1]?.metrics[metric];
  return {
    type: 'done',
    status: 'FINISHED',
    runId: result.runId,
    test,
    evaluatedEpoch: evaluated,
    ...(value !== undefined ? { value } : {}),
    seconds,
  };
}

/** `done` for a run that threw: KILLED when it was stopped, else FAILED with the message (user errors marked). */
export function failedTrial(err: unknown, killed: boolean, runId: string | undefined, seconds: number): Done {
  const message = err instanceof DataError ? err.describe() : err instanceof Error ? err.message : String(err);
  return {
    type: 'done',
    status: killed ? 'KILLED' : 'FAILED',
    ...(runId ? { runId } : {}),
    ...(killed ? {} : { error: message, userError: err instanceof ConfigError || err instanceof DataError }),
    seconds,
  };
}

/**
 * The trial's config, loaded and checked exactly as `mmx run CONFIG --set ...` would (minus `sweep:`), or the
 * `done` message for a config or data error (a user error, not a crash).
 */
export function checkTrialConfig(file: string, overrides: string[], cwd: string, seconds: () => number): CheckedConfig | Done {
  try {
    const loaded = loadConfig(file, { overrides, baseDir: cwd });
    delete (loaded.config as { sweep?: unknown }).sweep;
    return checkSemantics(loaded);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataError) {
      return {
        type: 'done',
        status: 'FAILED',
        error: err instanceof DataError ? err.describe() : err.message,
        userError: true,
        seconds: seconds(),
      };
    }
    throw err;
  }
}

/** One thread per trial: the backends' thread pools take the share of cores the trial was pinned to. */
export async function limitTrialThreads(): Promise<void> {
  const n = Number(process.env.MMX_SWEEP_THREADS ?? '1');
  try {
    const wasm = await import('../tf-wasm.js');
    wasm.setThreadsCount(Math.max(1, n));
  } catch {
    /* not installed: nothing to limit */
  }
}
