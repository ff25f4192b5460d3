/**
 * Every fused optimiser update mmx registers as a kernel (./fused-update.ts): src/backend makes each one's cpu and
 * wasm kernels from this list. An update not listed here still works: its optimiser takes the plain-ops path.
 */
import { adamUpdate } from './adam-update.js';
import type { FusedUpdate, UpdateAttrs } from './fused-update.js';

export const FUSED_UPDATES: readonly FusedUpdate<UpdateAttrs>[] = [adamUpdate];
