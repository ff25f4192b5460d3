/** `runtime.max_model_memory_mb`: the limit the model size check (./estimate.ts) holds a config to. */
import { Type } from '@sinclair/typebox';
import { Default } from '../../config/schema-kit.js';

export const DEFAULT_MAX_MODEL_MEMORY_MB = 8192;

export const MaxModelMemoryOption = Default(
  Type.Number({
    exclusiveMinimum: 0,
    description:
      'largest estimated training memory of the model, in MiB (weights, gradients and optimiser state, plus the activations of a batch); a larger model is refused by mmx validate and before a run starts',
  }),
  DEFAULT_MAX_MODEL_MEMORY_MB,
);
