/**
 * The `sweep:` section of an experiment config: what to search over, how, and for which metric. This
 * fragment is imported by `src/experiment/schema.ts` as one optional property, so it is validated with the rest
 * of the file (and lands in `schemas/experiment.schema.json`); the checks a JSON Schema cannot express
 * (a parameter path exists, min < max, every grid value validates, ...) are in `./plan.ts`.
 */
import { Type } from '@sinclair/typebox';
import { Closed, Default, Enum, type Resolved } from '../config/schema-kit.js';

export const sweepMethods = ['grid', 'random', 'bayes'] as const;
export const distributions = ['uniform', 'log_uniform', 'int_uniform', 'q_uniform', 'normal', 'log_normal'] as const;
export type DistributionName = (typeof distributions)[number];

const Parameter = Type.Object(
  {
    values: Type.Optional(
      Type.Array(Type.Unknown(), {
        minItems: 1,
        description: 'categorical: try these values (any YAML value, lists and maps included)',
      }),
    ),
    value: Type.Optional(Type.Unknown({ description: 'constant: every trial uses this value' })),
    distribution: Type.Optional(
      Enum(distributions, {
        description:
          'uniform | log_uniform | int_uniform | q_uniform (min, max; q for q_uniform) | normal | log_normal (mu, sigma; min/max optional bounds)',
      }),
    ),
    min: Type.Optional(Type.Number({ description: 'lower bound (inclusive)' })),
    max: Type.Optional(Type.Number({ description: 'upper bound (inclusive)' })),
    q: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'quantisation step (q_uniform; optional for the others)' })),
    mu: Type.Optional(Type.Number({ description: 'normal / log_normal: mean (of the log for log_normal)' })),
    sigma: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'normal / log_normal: standard deviation (of the log for log_normal)' }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'one of {values: [...]}, {value: x} or {distribution: ..., min, max, q, mu, sigma}',
  },
);

const EarlyTerminate = Closed(
  {
    type: Enum(['asha', 'median'], {
      description: 'asha: asynchronous successive halving (Li et al. 2018); median: the median stopping rule (Golovin et al. 2017)',
    }),
    min_epochs: Default(Type.Integer({ minimum: 1, description: 'no trial is stopped before this epoch; asha: the first rung' }), 1),
    reduction_factor: Default(
      Type.Integer({ minimum: 2, description: 'asha: rungs at min_epochs * reduction_factor^k; the top 1/reduction_factor go on' }),
      3,
    ),
    grace: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'trials that must have reported at a rung (asha, default 0) or finished (median, default 5) before it stops anyone',
      }),
    ),
  },
  { description: 'stop unpromising trials early (they end KILLED with the tag mmx.sweep.pruned=true)' },
);

export const SweepSchema = Closed(
  {
    method: Enum(sweepMethods, { description: 'grid: every combination; random: independent samples; bayes: TPE (Optuna-style)' }),
    metric: Closed(
      {
        name: Type.String({
          minLength: 1,
          description: 'a metric the run logs: val_loss, val_accuracy, val_macro_f1, ... (test_* allowed, with a warning)',
        }),
        goal: Enum(['minimize', 'maximize'], { description: 'whether lower or higher is better' }),
      },
      { description: 'what the sweep optimises' },
    ),
    parameters: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' }), Parameter, {
      minProperties: 1,
      additionalProperties: false,
      description: 'search space, keyed by dotted config path (training.optimizer.learning_rate, fusion.type, ...)',
    }),
    trials: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'number of trials (grid: default every combination)' })),
    parallel: Default(Type.Integer({ minimum: 1, maximum: 256, description: 'trials run at the same time, each in its own process' }), 1),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'seed of the search; default: the experiment seed' })),
    n_startup_trials: Default(
      Type.Integer({ minimum: 0, description: 'bayes: random trials before TPE takes over (Optuna default 10)' }),
      10,
    ),
    early_terminate: Type.Optional(EarlyTerminate),
  },
  { description: 'hyperparameter search run by `mmx sweep` (ignored by `mmx run`)' },
);

export type SweepConfig = Resolved<typeof SweepSchema>;
export type ParameterSpec = SweepConfig['parameters'][string];
export type EarlyTerminateConfig = NonNullable<SweepConfig['early_terminate']>;
