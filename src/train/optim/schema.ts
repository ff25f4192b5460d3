/**
 * `training.gradient_clipping` and `training.accumulate_batches`: what happens to a step's gradients before the
 * optimiser's update (./clipping.ts, ./accumulate.ts).
 */
import { Type } from '@sinclair/typebox';
import { Default, type Resolved } from '../../config/schema-kit.js';

export const GradientClippingSchema = Type.Object(
  {
    global_norm: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'scale the gradients down so that their global L2 norm (all weights together) is at most this (torch.nn.utils.clip_grad_norm_)',
      }),
    ),
    value: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'clip every gradient element to [−value, value] (clip_grad_value_); applied before global_norm',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'gradient clipping, on the gradient of the whole (accumulated) batch before each update: {global_norm: N} and/or {value: V}',
  },
);

export type GradientClippingConfig = Resolved<typeof GradientClippingSchema>;

export const AccumulateBatchesOption = Default(
  Type.Integer({
    minimum: 1,
    maximum: 4096,
    description:
      'gradient accumulation: one optimiser update per this many batches, with the gradient of all their examples together (the update a batch this many times larger makes; the last group of an epoch may be smaller); default 1',
  }),
  1,
);
