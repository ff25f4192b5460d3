/**
 * `runtime.workers`: how many threads compute each training step (data parallel, see `parallel-step.ts`).
 * 1 (the default) trains in the main thread only; `auto` uses one thread per available core if the first batches
 * measure that faster than one (auto-step.ts), else the main thread alone.
 */
import os from 'node:os';
import { Type } from '@sinclair/typebox';
import { Default } from '../../config/schema-kit.js';

export const WorkersOption = Default(
  Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 256 })], {
    description:
      'threads that compute each training step data-parallel (the batch is split, gradients averaged); 1: the main thread only; auto: one per core where that is measured faster on the first batches, else 1. Used with the wasm and cpu backends',
  }),
  1,
);

export type WorkersRequest = 'auto' | number;

/**
 * The number of threads a `runtime.workers` value means here. `auto` is a sweep trial's share of the cores
 * (MMX_SWEEP_THREADS, set by the sweep launcher) or else the cores this process may run on.
 */
export function resolveWorkers(request: WorkersRequest | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (request === undefined) return 1;
  if (request === 'auto') {
    const fromSweep = Number(env['MMX_SWEEP_THREADS']);
    return Number.isInteger(fromSweep) && fromSweep >= 1 ? fromSweep : Math.max(1, os.availableParallelism());
  }
  return Math.max(1, Math.floor(request));
}
