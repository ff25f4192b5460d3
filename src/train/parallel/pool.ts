/**
 * The worker threads of a data-parallel step, started ahead of it: each thread loads its modules (tfjs, mmx's
 * layers) and starts its backend as soon as it is spawned — a second or more — so a run that starts the pool
 * before preparing its data hides that behind data loading. `createParallelStep` takes the pool over (and
 * disposes it); a pool nobody took must be disposed by whoever started it.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as tf from '../../tf.js';
import { resolveWorkers, type WorkersRequest } from './options.js';
import type { FromWorker } from './protocol.js';

export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

/** What the worker module reads from `workerData`. */
export interface WorkerStart {
  /** the tfjs backend of the main thread ('wasm' or 'cpu'); the worker starts the same one, single-threaded */
  backend: string;
}

export interface PoolWorker {
  /** 1… (the main thread is 0) */
  readonly index: number;
  readonly worker: Worker;
  /** epoch ms when the thread was spawned */
  readonly spawned: number;
  exited: boolean;
  /** a crash or exit that happened while nobody listened */
  early?: Error;
  /** set by the step that owns the worker */
  onMessage?: (m: FromWorker) => void;
  onFailure?: (err: Error) => void;
}

/**
 * How to start a worker: the built worker.js directly, or — running from TypeScript source — a bootstrap that
 * registers tsx's loader inside the worker thread first (a `--import tsx` execArgv does not reach worker threads'
 * module loading in Node 20), then imports worker.ts.
 */
function workerEntry(): { code: string | URL; eval: boolean } {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSource) return { code: url, eval: false };
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return { code: `import(${api}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, eval: true };
}

export class WorkerPool {
  readonly workers: PoolWorker[] = [];
  private closing = false;

  /** Spawns `threads − 1` workers for `backend`. */
  constructor(
    readonly threads: number,
    readonly backend: string,
  ) {
    const entry = workerEntry();
    const workerData: WorkerStart = { backend };
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(entry.code, { eval: entry.eval, execArgv: [], workerData, stdout: false, stderr: false });
      worker.unref(); // never what keeps the process alive
      const w: PoolWorker = { index, worker, spawned: performance.timeOrigin + performance.now(), exited: false };
      const failed = (err: Error): void => {
        if (w.onFailure) w.onFailure(err);
        else w.early ??= err;
      };
      worker.on('message', (m: FromWorker) => w.onMessage?.(m));
      worker.on('error', (err) => failed(new WorkerFailedError(`data-parallel worker ${index} crashed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        w.exited = true;
        if (!this.closing) failed(new WorkerFailedError(`data-parallel worker ${index} exited unexpectedly (code ${code})`));
      });
      this.workers.push(w);
    }
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Stops every worker; idempotent. */
  async dispose(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/**
 * Starts the workers `runtime.workers` asks for, for the current backend; undefined when the step runs in the
 * main thread only (1 thread, or a backend other than wasm/cpu — see `createTrainStep`).
 */
export function startWorkerPool(request: WorkersRequest | undefined, backend: string = tf.getBackend()): WorkerPool | undefined {
  const threads = resolveWorkers(request);
  if (threads <= 1 || (backend !== 'wasm' && backend !== 'cpu')) return undefined;
  return new WorkerPool(threads, backend);
}
