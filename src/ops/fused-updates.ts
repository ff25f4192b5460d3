/**
 * Every fused optimiser update mmx registers as a kernel (./fused-update.ts): src/backend makes each one's cpu and
 * wasm kernels from this list. An update not listed here still works: its optimiser takes the plain-ops path.
 */
import { adagradUpdate } from './adagrad-update.js';
import { adamUpdate } from './adam-update.js';
import { adamwUpdate } from './adamw-update.js';
import type { FusedUpdate, UpdateAttrs } from './fused-update.js';
import { rmspropMomentumUpdate, rmspropUpdate } from './rmsprop-update.js';
import { sgdMomentumUpdate, sgdUpdate } from './sgd-update.js';

export const FUSED_UPDATES: readonly FusedUpdate<UpdateAttrs>[] = [
  adamUpdate,
  adamwUpdate,
  sgdUpdate,
  sgdMomentumUpdate,
  rmspropUpdate,
  rmspropMomentumUpdate,
  adagradUpdate,
];
