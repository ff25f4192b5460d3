/**
 * Picks how a run computes its training steps from `runtime.workers`: in the main thread (`localStep`), or
 * data-parallel over worker threads (`createParallelStep`). tfjs-node's TensorFlow kernels already use every
 * core, so with the 'tensorflow' backend the workers setting is ignored (with a log line).
 *
 * A run starts the workers early (`startWorkerPool`, before preparing its data) and hands the pool in here.
 * `auto` (auto-step.ts) trains in the main thread while the workers start, then measures one thread against all
 * of them on the first batches and keeps the faster.
 */
import * as tf from '../../tf.js';
import type { BuiltModel } from '../../model/build.js';
import { localStep, type TrainStep } from '../step.js';
import { resolveWorkers, type WorkersRequest } from './options.js';
import { autoStep } from './auto-step.js';
import { createParallelStep } from './parallel-step.js';
import type { WorkerPool } from './pool.js';

export { createParallelStep, shardSizes, type ParallelStep, type ParallelStepStats } from './parallel-step.js';
export { startWorkerPool, WorkerFailedError, WorkerPool } from './pool.js';
export { resolveWorkers, WorkersOption, type WorkersRequest } from './options.js';
export { autoStep, CALIBRATION_STEPS } from './auto-step.js';

export async function createTrainStep(
  built: BuiltModel,
  workers: WorkersRequest | undefined,
  options: { signal?: AbortSignal; log?: (message: string) => void; warn?: (message: string) => void; pool?: WorkerPool } = {},
): Promise<TrainStep> {
  const threads = resolveWorkers(workers);
  const backend = tf.getBackend();
  if (threads <= 1 || (backend !== 'wasm' && backend !== 'cpu')) await options.pool?.dispose();
  if (threads <= 1) return localStep(built);
  if (backend !== 'wasm' && backend !== 'cpu') {
    options.log?.(`runtime.workers: ${String(workers)} ignored: the ${backend} backend runs each step on every core already`);
    return localStep(built);
  }
  const parallelOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pool ? { pool: options.pool } : {}),
  };
  if (workers === 'auto') {
    options.log?.(`runtime.workers auto: measuring 1 against ${threads} threads on the first batches`);
    return autoStep(localStep(built), createParallelStep(built, threads, parallelOptions), options.log ? { log: options.log } : {});
  }
  options.log?.(`training data-parallel on ${threads} threads (the main thread and ${threads - 1} worker${threads > 2 ? 's' : ''})`);
  if (backend === 'wasm') {
    // each worker runs a single-threaded wasm build; the main thread's own thread pool would compete with them
    const { getThreadsCount } = await import('../../tf-wasm.js');
    const own = getThreadsCount();
    const warn = options.warn ?? ((m: string) => options.log?.(`warning: ${m}`));
    if (own > 1)
      warn(
        `the main thread's wasm backend also runs ${own} threads, so ${threads - 1 + own} threads share the cores; set runtime.threads: 1 with runtime.workers`,
      );
  }
  return createParallelStep(built, threads, parallelOptions);
}
