/**
 * `training.lr_schedule`: how the learning rate (training.optimizer.learning_rate, the base) changes over training.
 * One variant per schedule, PyTorch's parameters and defaults where PyTorch has the schedule; `warmup` combines
 * with any of them. Per-step schedules (cosine, linear, one_cycle, warmup) change the rate before every optimiser
 * update; step and exponential change it once per epoch; reduce_on_plateau after an epoch that did not improve.
 * The arithmetic is in ./lr-schedule.ts.
 */
import { Type } from '@sinclair/typebox';
import { Default, Discriminated, Enum, Variant, type Resolved } from '../../config/schema-kit.js';

export const scheduleTypes = ['constant', 'step', 'exponential', 'cosine', 'linear', 'one_cycle', 'reduce_on_plateau'] as const;
export type ScheduleType = (typeof scheduleTypes)[number];

const Warmup = Type.Object(
  {
    steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'warm-up length in optimiser updates' })),
    epochs: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'warm-up length in epochs (may be fractional)' }),
    ),
    start_factor: Default(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        description: 'the first update runs at start_factor × the rate; it then rises linearly to the full rate (default 0)',
      }),
      0,
    ),
  },
  {
    additionalProperties: false,
    oneOf: [{ required: ['steps'] }, { required: ['epochs'] }],
    description:
      'linear warm-up before the schedule: {steps: N} or {epochs: N}; the schedule itself starts when the warm-up ends (its clock and length count from there)',
  },
);

const warmup = { warmup: Type.Optional(Warmup) };
const minLr = Default(Type.Number({ minimum: 0, description: 'the rate it decays to (default 0)' }), 0);

const Constant = Variant(
  'constant',
  { ...warmup },
  { title: 'constant', description: 'the base rate throughout (after the warm-up, if any)' },
);

const StepSchedule = Variant(
  'step',
  {
    step_size: Type.Integer({ minimum: 1, maximum: 100_000, description: 'epochs between two decays' }),
    gamma: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'factor of each decay (default 0.1)' }), 0.1),
    ...warmup,
  },
  { title: 'step decay', description: 'rate × gamma every step_size epochs (torch.optim.lr_scheduler.StepLR)' },
);

const Exponential = Variant(
  'exponential',
  {
    gamma: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'factor per epoch' }),
    ...warmup,
  },
  { title: 'exponential decay', description: 'rate × gamma after every epoch (ExponentialLR)' },
);

const Cosine = Variant(
  'cosine',
  {
    min_lr: minLr,
    restart_epochs: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100_000,
        description: 'warm restarts (SGDR): length of the first cycle in epochs; default: one cycle over the whole training',
      }),
    ),
    restart_mult: Default(
      Type.Integer({ minimum: 1, maximum: 100, description: 'with restart_epochs: each cycle this many times the last (default 1)' }),
      1,
    ),
    ...warmup,
  },
  {
    title: 'cosine annealing',
    description:
      'half a cosine from the base rate to min_lr, per update (CosineAnnealingLR; with restart_epochs CosineAnnealingWarmRestarts)',
  },
);

const Linear = Variant(
  'linear',
  { min_lr: minLr, ...warmup },
  { title: 'linear decay', description: 'a straight line from the base rate to min_lr over the training, per update' },
);

const OneCycle = Variant(
  'one_cycle',
  {
    pct_start: Default(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'share of the updates spent rising to the peak (default 0.3)' }),
      0.3,
    ),
    div_factor: Default(Type.Number({ minimum: 1, description: 'the first rate is the peak / div_factor (default 25)' }), 25),
    final_div_factor: Default(Type.Number({ minimum: 1, description: 'the last rate is the first / final_div_factor (default 1e4)' }), 1e4),
    anneal: Default(Enum(['cos', 'linear'], { description: 'shape of both phases (default cos)' }), 'cos'),
    ...warmup,
  },
  {
    title: 'one cycle',
    description:
      'up from peak/div_factor to the peak (the base rate) and down far below it, per update (OneCycleLR, without its momentum cycling)',
  },
);

const ReduceOnPlateau = Variant(
  'reduce_on_plateau',
  {
    monitor: Default(
      Type.String({ description: 'metric watched after each epoch: val_loss, val_accuracy, ... (default val_loss)' }),
      'val_loss',
    ),
    mode: Default(
      Enum(['auto', 'min', 'max'], { description: 'whether lower or higher is better; auto: min for losses, max otherwise' }),
      'auto',
    ),
    factor: Default(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'rate × factor on a plateau (default 0.1)' }),
      0.1,
    ),
    patience: Default(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'epochs without improvement before reducing (default 10)' }),
      10,
    ),
    threshold: Default(
      Type.Number({ minimum: 0, description: 'relative change that counts as an improvement (default 1e-4, as PyTorch’s rel mode)' }),
      1e-4,
    ),
    cooldown: Default(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'epochs after a reduction before watching again (default 0)' }),
      0,
    ),
    min_lr: Default(Type.Number({ minimum: 0, description: 'never reduce below this rate (default 0)' }), 0),
    ...warmup,
  },
  { title: 'reduce on plateau', description: 'rate × factor when the monitored metric stops improving (ReduceLROnPlateau)' },
);

export const LrScheduleSchema = Discriminated([Constant, StepSchedule, Exponential, Cosine, Linear, OneCycle, ReduceOnPlateau], {
  // a default only: the discriminator reports a wrong or unknown type
  properties: { type: Type.Unsafe<string>({ default: 'constant' }) },
  description: `learning-rate schedule (type: ${scheduleTypes.join(' | ')}), optionally with a linear warmup; default: constant`,
});

export type LrScheduleConfig = Resolved<typeof LrScheduleSchema>;
export type WarmupConfig = Resolved<typeof Warmup>;
