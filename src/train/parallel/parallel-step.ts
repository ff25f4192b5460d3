/**
 * Data-parallel training step over worker_threads. Each batch is split into contiguous shards, one per thread:
 * the main thread computes its shard's loss and gradients while N−1 workers (each with its own tfjs backend and
 * a copy of the model) compute theirs. The gradients are averaged weighted by shard size — which is exactly the
 * gradient of the whole batch's mean loss — and the model's compiled optimiser applies them once, here. The new
 * weights go back to the workers through shared memory. What `run` returns (total loss, per-output losses,
 * metrics) is the shard-size-weighted mean of the shards', i.e. what `trainOnBatch` returns for the batch.
 *
 * Not bit-identical to a one-thread step (float sums in another order), equal within float tolerance — except
 * where randomness or batch statistics enter: dropout draws different masks per worker (seeds shifted by the
 * worker's index), and BatchNormalization normalises each shard with its own statistics (see layout.ts).
 */
import * as tf from '../../tf.js';
import { compileTrainingGraph, type BuiltModel } from '../../model/build.js';
import { steppedModel, type TrainStep } from '../step.js';
import { TrainingAborted } from '../trainer.js';
import { offsets, packWeights, sameLayout, syncedWeights, weightLayout } from './layout.js';
import { WorkerFailedError, WorkerPool, type PoolWorker } from './pool.js';
import type { ArrayData, FromWorker, ToWorker } from './protocol.js';
import { shardGradients } from './shard.js';

/** Where a data-parallel step spends its time, summed over steps (seconds). */
export interface ParallelStepStats {
  steps: number;
  /** the main thread computing its own shard */
  main: number;
  /** waiting for the slowest worker after the main shard was done */
  wait: number;
  /** moving data: shard inputs out, gradients in (and averaging them), new weights out — the sum of the next three */
  transfer: number;
  /** slicing the batch and posting the shards */
  send: number;
  /** reading the workers' gradients and averaging them (and the stateful weights) */
  combine: number;
  /** writing the new weights into shared memory for the workers */
  publish: number;
  /** the optimiser's update */
  apply: number;
  /** the workers' own step time, averaged over workers */
  worker: number;
}

export interface ParallelStep extends TrainStep {
  /** threads computing each step, the main thread included */
  readonly threads: number;
  /** publishes the main thread's weights to the workers now (after the model was stepped by other means) */
  sync(): void;
  stats(): ParallelStepStats;
  /** worker threads that have not exited (0 after dispose) */
  liveWorkers(): number;
  /** per worker, ms from its thread's start until its modules were loaded, its backend was ready, its model built */
  startup(): Array<{ loaded: number; backend: number; model: number }>;
}

interface Pending {
  /** the step this answer is for (a reply to an abandoned step must not answer the next one) */
  id: number;
  resolve: (m: Extract<FromWorker, { type: 'done' }>) => void;
  reject: (err: Error) => void;
}

interface Thread {
  pooled: PoolWorker;
  index: number;
  grads: Float32Array;
  pending?: Pending;
  failure?: Error;
  startup?: { loaded: number; backend: number; model: number };
}

/** Contiguous shard sizes of a batch of `n` over `k` threads, larger ones first (the main thread takes shard 0). */
export function shardSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0));
}

function sliceRows(data: Float32Array, shape: number[], start: number, size: number): ArrayData {
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: data.slice(start * row, (start + size) * row), shape: [size, ...shape.slice(1)] };
}

/**
 * Starts `threads − 1` workers for `built`'s stepped graph (compiled; its optimiser applies the updates) — or takes
 * over `options.pool`, started earlier with `startWorkerPool` — and returns the step. Call `dispose()` when
 * training ends, however it ends; an aborted `signal` stops the workers too.
 */
export async function createParallelStep(
  built: BuiltModel,
  threads: number,
  options: { signal?: AbortSignal; pool?: WorkerPool } = {},
): Promise<ParallelStep> {
  const backend = tf.getBackend();
  let pool = options.pool;
  if (pool && (pool.threads !== threads || pool.backend !== backend || pool.closed)) {
    await pool.dispose();
    pool = undefined;
  }
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`a data-parallel step needs at least 2 threads, got ${threads}`);
  if (options.signal?.aborted) {
    await pool?.dispose();
    throw new TrainingAborted();
  }
  const stepped = steppedModel(built);
  const optimizer = (built.model as { optimizer?: tf.Optimizer }).optimizer;
  if (!optimizer) throw new Error('compile built.model (or call compileModel) before training');
  if (built.training) compileTrainingGraph(built, optimizer);
  const layout = weightLayout(stepped);
  const synced = syncedWeights(layout);
  const at = offsets(layout, synced);
  const total = at[at.length - 1]!;
  const sharedWeights = new SharedArrayBuffer(Math.max(4, total * 4));
  const weightsView = new Float32Array(sharedWeights);
  const version = new Int32Array(new SharedArrayBuffer(4));
  const topology = stepped.toJSON(null, false) as object;
  const initial = stepped.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  const stats: ParallelStepStats = { steps: 0, main: 0, wait: 0, transfer: 0, send: 0, combine: 0, publish: 0, apply: 0, worker: 0 };
  const owned = pool ?? new WorkerPool(threads, backend);
  let closed = false;
  let nextId = 1;

  const fail = (t: Thread, err: Error): void => {
    t.failure ??= err;
    const p = t.pending;
    t.pending = undefined;
    p?.reject(t.failure);
  };
  const aborted = (): boolean => options.signal?.aborted === true;

  const workers: Thread[] = [];
  const ready: Promise<void>[] = [];
  for (const pooled of owned.workers) {
    const index = pooled.index;
    const sharedGrads = new SharedArrayBuffer(Math.max(4, total * 4));
    const t: Thread = { pooled, index, grads: new Float32Array(sharedGrads) };
    workers.push(t);
    ready.push(
      new Promise<void>((resolve, reject) => {
        t.pending = { id: 0, resolve: () => resolve(), reject };
        pooled.onMessage = (m: FromWorker) => {
          if (m.type === 'ready') {
            t.pending = undefined;
            const since = (ms: number): number => ms - pooled.spawned;
            t.startup = { loaded: since(m.timings.loaded), backend: since(m.timings.backend), model: since(m.timings.model) };
            if (!sameLayout(m.layout, layout))
              reject(
                new WorkerFailedError(`data-parallel worker ${index} rebuilt the model with different weights than the main thread's`),
              );
            else resolve();
          } else if (m.type === 'done') {
            const p = t.pending;
            if (p?.id !== m.id) return;
            t.pending = undefined;
            p.resolve(m);
          } else {
            fail(t, new WorkerFailedError(`data-parallel worker ${index} failed: ${m.message}`, { cause: m.stack }));
          }
        };
        pooled.onFailure = (err) => {
          if (!closed) fail(t, aborted() ? new TrainingAborted() : err);
        };
        if (pooled.early) fail(t, pooled.early);
      }),
    );
    const init: ToWorker = {
      type: 'init',
      topology,
      target: built.target,
      ...(built.training ? { lossWeights: built.training.lossWeights } : {}),
      index,
      weights: initial,
      sharedWeights,
      sharedGrads,
      version: version.buffer as SharedArrayBuffer,
    };
    if (!pooled.exited) pooled.worker.postMessage(init);
  }

  const dispose = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    options.signal?.removeEventListener('abort', onAbort);
    await owned.dispose();
  };
  function onAbort(): void {
    for (const t of workers) fail(t, new TrainingAborted());
    void dispose();
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(ready);
  } catch (err) {
    await dispose();
    throw err;
  }

  const post = (t: Thread, m: ToWorker & { type: 'step' }, transfer: ArrayBuffer[]): Promise<Extract<FromWorker, { type: 'done' }>> =>
    new Promise((resolve, reject) => {
      if (t.failure) return reject(t.failure);
      t.pending = { id: m.id, resolve, reject };
      t.pooled.worker.postMessage(m, transfer);
    });

  /** the main thread's weights into shared memory; the atomic bump orders the workers' next read after these writes */
  const publish = (): void => {
    packWeights(stepped, synced, weightsView);
    Atomics.add(version, 0, 1);
  };

  const run = async (xs: tf.Tensor[], ys: tf.Tensor): Promise<number[]> => {
    if (closed) throw aborted() ? new TrainingAborted() : new Error('the data-parallel step was disposed');
    const n = ys.shape[0]!;
    const sizes = shardSizes(n, threads);
    const id = nextId++;
    const t0 = performance.now();
    // 1. shards 1… go to the workers (copies of rows; the buffers are transferred, not cloned)
    const xData = xs.map((x) => x.dataSync() as Float32Array);
    const yData = ys.dataSync() as Float32Array;
    const replies: Array<Promise<Extract<FromWorker, { type: 'done' }>>> = [];
    const active: Thread[] = [];
    let start = sizes[0]!;
    for (const t of workers) {
      const size = sizes[t.index]!;
      if (size > 0) {
        const m: ToWorker = {
          type: 'step',
          id,
          xs: xs.map((x, i) => sliceRows(xData[i]!, x.shape, start, size)),
          ys: sliceRows(yData, ys.shape, start, size),
        };
        const transfer = [...m.xs.map((x) => x.data.buffer as ArrayBuffer), m.ys.data.buffer as ArrayBuffer];
        replies.push(post(t, m, transfer));
        active.push(t);
      }
      start += size;
    }
    // a failure before we await is handled below; keep it from counting as unhandled meanwhile
    for (const r of replies) r.catch(() => undefined);
    const t1 = performance.now();
    // 2. shard 0 here
    const n0 = sizes[0]!;
    const xs0 = xs.map((x) => (n0 === n ? x : x.slice(0, n0)));
    const ys0 = n0 === n ? ys : ys.slice(0, n0);
    const mine = shardGradients(stepped, xs0, ys0);
    const values = mine.values.map((v) => ((v.dataSync() as Float32Array)[0]! * n0) / n);
    const t2 = performance.now();
    // 3. the workers' shards
    let done: Array<Extract<FromWorker, { type: 'done' }>>;
    try {
      done = await Promise.all(replies);
    } catch (err) {
      tf.dispose([...mine.values, ...Object.values(mine.grads).filter((g): g is tf.Tensor => g != null)]);
      throw err;
    } finally {
      if (n0 !== n) tf.dispose([...xs0, ys0]);
    }
    const t3 = performance.now();
    // 4. average gradients (weight n_k / n) and stateful weights; apply once
    const weightOf = (t: Thread): number => sizes[t.index]! / n;
    done.forEach((d, k) => d.values.forEach((v, i) => (values[i] = (values[i] ?? 0) + v * weightOf(active[k]!))));
    // keyed and ordered as Optimizer.minimize passes them (variables without a gradient left out): optimisers
    // keep their slots by position
    const averaged: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      mine.variables.forEach((variable, i) => {
        const g0 = mine.grads[variable.name];
        if (g0 == null) return;
        const shape = layout.shapes[layout.trainable[i]!]!;
        let sum = n0 === n ? g0 : tf.mul(g0, n0 / n);
        active.forEach((t, k) => {
          if (!done[k]!.hasGrad[i]) return;
          sum = tf.add(sum, tf.mul(tf.tensor(t.grads.slice(at[i]!, at[i + 1]!), shape, 'float32'), weightOf(t)));
        });
        averaged[variable.name] = tf.keep(sum);
      });
      const nTrain = layout.trainable.length;
      layout.stateful.forEach((wi, j) => {
        const v = stepped.weights[wi]!;
        const v0 = v.read();
        let next: tf.Tensor = v0;
        active.forEach((t) => {
          const vk = tf.tensor(t.grads.slice(at[nTrain + j]!, at[nTrain + j + 1]!), layout.shapes[wi]!, 'float32');
          next = tf.add(next, tf.mul(tf.sub(vk, v0), weightOf(t)));
        });
        if (next !== v0) v.write(next);
      });
    });
    const t4 = performance.now();
    optimizer.applyGradients(averaged);
    tf.dispose([...mine.values, ...Object.values(mine.grads).filter((g): g is tf.Tensor => g != null), ...Object.values(averaged)]);
    const t5 = performance.now();
    // 5. publish the new weights
    publish();
    const t6 = performance.now();
    stats.steps += 1;
    stats.main += (t2 - t1) / 1000;
    stats.wait += (t3 - t2) / 1000;
    stats.transfer += (t1 - t0 + (t4 - t3) + (t6 - t5)) / 1000;
    stats.send += (t1 - t0) / 1000;
    stats.combine += (t4 - t3) / 1000;
    stats.publish += (t6 - t5) / 1000;
    stats.apply += (t5 - t4) / 1000;
    stats.worker += done.reduce((a, d) => a + d.seconds, 0) / Math.max(1, done.length);
    return values;
  };

  return {
    threads,
    run,
    sync: publish,
    dispose,
    stats: () => ({ ...stats }),
    liveWorkers: () => workers.filter((t) => !t.pooled.exited).length,
    startup: () => workers.flatMap((t) => (t.startup ? [t.startup] : [])),
  };
}
