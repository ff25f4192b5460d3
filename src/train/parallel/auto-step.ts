/**
 * `runtime.workers: auto`: data-parallel only where it is measured to be faster here, now.
 *
 * Whether a second core helps depends on the model (large convolutions gain, small ops lose to the transfer of
 * gradients and weights) and on what else the machine runs (on a 2-core machine shared with other busy processes,
 * two threads ran at 0.6-0.7× one). So the choice is made by measuring, on the run's own first batches:
 *  - the run trains in the main thread while the worker threads start in the background (no batch waits for them);
 *  - once they are ready, steps alternate between one thread and all of them (each side's first step is a
 *    warm-up), until each side has CALIBRATION_STEPS timed steps;
 *  - the data-parallel step is kept only if its median step time is below MARGIN × the single thread's;
 *    otherwise the workers stop and the run continues in the main thread.
 * Both kinds of step compute the same update (the data-parallel step averages the shards' gradients, weighted by
 * size, into the whole batch's), so the calibration batches are ordinary training batches. One log line says what
 * was chosen and the measured ratio.
 */
import type { TrainStep } from '../step.js';
import type { ParallelStep } from './parallel-step.js';

/** timed steps of each kind before deciding */
export const CALIBRATION_STEPS = 4;
/** the data-parallel step must be at least this much faster (step time ratio) to be kept */
export const MARGIN = 0.9;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface AutoStepOptions {
  /** one line when the choice is made */
  log?: (message: string) => void;
  /** wall-clock milliseconds (a test's fake clock) */
  now?: () => number;
}

/**
 * A TrainStep that runs `local` until `parallel` (started by the caller, possibly still starting) is ready, then
 * measures both and keeps the faster; `parallel` failing to start is logged and leaves `local`.
 */
export function autoStep(local: TrainStep, parallel: Promise<ParallelStep>, options: AutoStepOptions = {}): TrainStep {
  const now = options.now ?? (() => performance.now());
  let ready: ParallelStep | undefined;
  let failed = false;
  let decided: 'local' | 'parallel' | undefined;
  let lastLocal = true;
  const times = { local: [] as number[], parallel: [] as number[] };
  const warm = { local: false, parallel: false };
  parallel.then(
    (p) => {
      ready = p;
    },
    (err: unknown) => {
      failed = true;
      options.log?.(
        `runtime.workers auto: 1 thread (the worker threads did not start: ${err instanceof Error ? err.message : String(err)})`,
      );
    },
  );

  const decide = async (): Promise<void> => {
    const p = ready!;
    const ratio = median(times.local) / median(times.parallel);
    if (median(times.parallel) < MARGIN * median(times.local)) {
      decided = 'parallel';
      options.log?.(
        `runtime.workers auto: ${p.threads} threads, measured ${ratio.toFixed(2)}× as fast as one over ${2 * CALIBRATION_STEPS} steps`,
      );
    } else {
      decided = 'local';
      options.log?.(
        `runtime.workers auto: 1 thread — ${p.threads} threads measured ${ratio.toFixed(2)}× the speed of one over ${2 * CALIBRATION_STEPS} steps (other processes may be using the cores)`,
      );
      await p.dispose();
    }
  };

  const runParallel = async (p: ParallelStep, xs: Parameters<TrainStep['run']>[0], ys: Parameters<TrainStep['run']>[1]) => {
    if (lastLocal) p.sync(); // the main thread stepped the model since the workers last saw its weights
    lastLocal = false;
    return p.run(xs, ys);
  };

  return {
    async run(xs, ys) {
      if (decided === 'parallel') return runParallel(ready!, xs, ys);
      if (decided === 'local' || failed || ready === undefined) {
        lastLocal = true;
        return local.run(xs, ys);
      }
      // calibrating: alternate, each kind's first step untimed
      const done = (k: 'local' | 'parallel') => times[k].length + (warm[k] ? 1 : 0);
      const kind = done('parallel') <= done('local') ? 'parallel' : 'local';
      const t = now();
      let result: number[];
      if (kind === 'parallel') {
        result = await runParallel(ready, xs, ys);
      } else {
        lastLocal = true;
        result = await local.run(xs, ys);
      }
      const ms = now() - t;
      if (warm[kind]) times[kind].push(ms);
      else warm[kind] = true;
      if (times.local.length >= CALIBRATION_STEPS && times.parallel.length >= CALIBRATION_STEPS) await decide();
      return result;
    },
    async dispose() {
      await local.dispose();
      if (ready) await ready.dispose();
      else
        await parallel.then(
          (p) => p.dispose(),
          () => undefined,
        );
    },
  };
}
