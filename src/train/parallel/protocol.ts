/** Messages between the main thread's data-parallel step and its worker threads. */
import type { TaskTarget } from '../../model/heads/tasks.js';
import type { WeightLayout } from './layout.js';

export interface ArrayData {
  data: Float32Array;
  shape: number[];
}

export type ToWorker =
  | {
      type: 'init';
      /** `steppedModel(built).toJSON(null, false)` */
      topology: object;
      /** the task the loss follows (the worker compiles with `taskLoss(target)`) */
      target: TaskTarget;
      /** per-output loss weights of a multi-output training graph; undefined for a one-output model */
      lossWeights?: number[];
      /** this worker's position (1…); its layers' random seeds are shifted by it so shards draw different masks */
      index: number;
      /** every weight's value, in `model.weights` order */
      weights: Float32Array[];
      /** the main thread's synced weights after each step (trainable, then stateful), packed */
      sharedWeights: SharedArrayBuffer;
      /** this worker's gradients (trainable) and new stateful values, packed the same way */
      sharedGrads: SharedArrayBuffer;
      /** Int32[1]: bumped by the main thread after it writes `sharedWeights` */
      version: SharedArrayBuffer;
    }
  | { type: 'step'; id: number; xs: ArrayData[]; ys: ArrayData };

export type FromWorker =
  /** timings (epoch ms): when the worker's modules were loaded, its backend ready, the model built */
  | { type: 'ready'; layout: WeightLayout; timings: { loaded: number; backend: number; model: number } }
  /** values: [total loss, per-output losses, metrics] of the shard; hasGrad[i]: trainable weight i got a gradient */
  | { type: 'done'; id: number; values: number[]; hasGrad: boolean[]; seconds: number }
  | { type: 'error'; id?: number; message: string; stack?: string };
