/**
 * `runtime.threads`: how many threads the wasm backend's XNNPACK thread pool computes each op with.
 * 1 (the default) is tfjs-backend-wasm's ordinary single-threaded build.
 *
 * `auto` is what was measured faster: one thread where mmx's own SIMD kernels run (src/backend/simd). They
 * compute the convolutions, products and pooling that are ~90 % of a training step, on one thread each, so the
 * pool only adds its synchronisation to the rest: on the 2-core development machine the reference model trained
 * at 0.6–0.9× with 2 threads (bench/measure-threads.ts). With those kernels off (MMX_SIMD_KERNELS=0) XNNPACK does
 * that work and `auto` is the cores this process may use (a sweep trial: its share). The way to use more cores
 * for training is `runtime.workers` (data-parallel; its `auto` measures).
 */
import os from 'node:os';
import { Type } from '@sinclair/typebox';
import { Default } from '../../config/schema-kit.js';

/** XNNPACK's pool in tfjs-backend-wasm 4.22 caps at 8 threads (`max_num_threads` in its backend.cc). */
export const MAX_WASM_THREADS = 8;

export const ThreadsOption = Default(
  Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 256 })], {
    description: `threads each op of the wasm backend runs on (XNNPACK's pool, at most ${MAX_WASM_THREADS}); 1: single-threaded; auto: 1 while mmx's own single-threaded SIMD kernels compute the heavy ops (measured faster), else the cores this process may use (a sweep trial: its share). For more cores in training use runtime.workers`,
  }),
  1,
);

export type ThreadsRequest = 'auto' | number;

/**
 * The number of threads a `runtime.threads` value means here, capped at MAX_WASM_THREADS; undefined is the
 * default, 1. `auto` is 1 where `ownKernels` (mmx's single-threaded SIMD kernels do the heavy ops), else
 * MMX_SWEEP_THREADS when the sweep launcher set it (a trial's share of the cores), else os.availableParallelism().
 */
export function resolveThreads(request: ThreadsRequest | undefined, env: NodeJS.ProcessEnv = process.env, ownKernels = false): number {
  let n: number;
  if (request === undefined) {
    n = 1;
  } else if (request === 'auto' && ownKernels) {
    n = 1;
  } else if (request === 'auto') {
    const fromSweep = Number(env.MMX_SWEEP_THREADS);
    n = Number.isInteger(fromSweep) && fromSweep >= 1 ? fromSweep : os.availableParallelism();
  } else {
    if (!Number.isInteger(request) || request < 1)
      throw new RangeError(`runtime.threads must be auto or an integer ≥ 1, got ${String(request)}`);
    n = request;
  }
  return Math.max(1, Math.min(MAX_WASM_THREADS, n));
}

/** The environment variable that sets the thread count when the caller gives none (bench, tests, `mmx predict`). */
export const THREADS_ENV = 'MMX_WASM_THREADS';

/**
 * `MMX_WASM_THREADS` as a threads request: 'auto', a whole number ≥ 1, or undefined when unset. A value that is
 * neither comes back as `invalid` (the caller warns and uses the default).
 */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): { request?: ThreadsRequest; invalid?: string } {
  const raw = env[THREADS_ENV]?.trim();
  if (raw === undefined || raw === '') return {};
  if (raw === 'auto') return { request: 'auto' };
  const n = Number(raw);
  if (/^\d+$/.test(raw) && n >= 1) return { request: n };
  return { invalid: raw };
}
