/**
 * `training.optimizer`: one variant per optimiser, each with PyTorch's defaults (the library users compare
 * against): torch.optim.Adam, AdamW, SGD, RMSprop, Adagrad. `type` may be left out (adam). An option an optimiser
 * does not have is an error with a did-you-mean, like any unknown key.
 */
import { Type } from '@sinclair/typebox';
import { Default, Discriminated, Enum, Variant, type Resolved } from '../../config/schema-kit.js';
import { DECAY_GROUPS } from './decay-groups.js';

export const optimizerTypes = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerType = (typeof optimizerTypes)[number];

const learningRate = (value: number) =>
  Default(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 10,
      description: `step size (with training.lr_schedule: the rate the schedule starts from and scales; default ${value}, as PyTorch)`,
    }),
    value,
  );

const weightDecay = (value: number, how: string) =>
  Default(Type.Number({ minimum: 0, maximum: 1, description: `weight decay λ: ${how} (default ${value}, as PyTorch)` }), value);

const L2 = 'L2, λ·w added to the gradient';

const exclude = {
  weight_decay_exclude: Default(
    Type.Array(Enum(DECAY_GROUPS), {
      uniqueItems: true,
      description:
        'weights left out of weight decay: bias (every one-dimensional weight outside normalisation and embedding layers: biases, learned tokens), normalization (scales and shifts of normalisation layers), embedding (embedding tables); [] decays every weight',
    }),
    ['bias', 'normalization'],
  ),
};

const betas = {
  beta1: Default(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'decay of the first-moment average (default 0.9)' }), 0.9),
  beta2: Default(
    Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'decay of the second-moment average (default 0.999)' }),
    0.999,
  ),
  epsilon: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'added to the denominator (default 1e-8)' }), 1e-8),
};

const momentum = Default(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'momentum μ (default 0: none)' }), 0);

const Adam = Variant(
  'adam',
  { learning_rate: learningRate(1e-3), ...betas, weight_decay: weightDecay(0, L2), ...exclude },
  { title: 'Adam', description: 'Adam (Kingma & Ba); weight_decay is L2, as in torch.optim.Adam; for decoupled weight decay use adamw' },
);

const AdamW = Variant(
  'adamw',
  {
    learning_rate: learningRate(1e-3),
    ...betas,
    weight_decay: weightDecay(1e-2, 'decoupled (Loshchilov & Hutter): each step shrinks the weights by learning_rate × λ'),
    ...exclude,
  },
  { title: 'AdamW', description: 'Adam with decoupled weight decay, as torch.optim.AdamW' },
);

const Sgd = Variant(
  'sgd',
  {
    learning_rate: learningRate(1e-3),
    momentum,
    nesterov: Default(Type.Boolean({ description: 'Nesterov momentum (needs momentum > 0)' }), false),
    weight_decay: weightDecay(0, L2),
    ...exclude,
  },
  { title: 'SGD', description: 'stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD' },
);

const Rmsprop = Variant(
  'rmsprop',
  {
    learning_rate: learningRate(1e-2),
    rho: Default(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        description: "decay of the squared-gradient average (PyTorch's alpha; default 0.99)",
      }),
      0.99,
    ),
    epsilon: Default(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'added to the root of the average (default 1e-8)' }),
      1e-8,
    ),
    momentum,
    weight_decay: weightDecay(0, L2),
    ...exclude,
  },
  { title: 'RMSprop', description: 'RMSprop (not centred), as torch.optim.RMSprop' },
);

const Adagrad = Variant(
  'adagrad',
  {
    learning_rate: learningRate(1e-2),
    epsilon: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'added to the root of the sum (default 1e-10)' }), 1e-10),
    weight_decay: weightDecay(0, L2),
    ...exclude,
  },
  { title: 'Adagrad', description: 'Adagrad, as torch.optim.Adagrad' },
);

const VARIANTS = [Adam, AdamW, Sgd, Rmsprop, Adagrad] as const;

export const OptimizerSchema = Discriminated([...VARIANTS], {
  // `type` may be left out: Ajv fills this default in before it picks the variant
  // a default only: the discriminator reports a wrong or unknown type
  properties: { type: Type.Unsafe<string>({ default: 'adam' }) },
  description: 'optimiser (type: adam | adamw | sgd | rmsprop | adagrad) and its hyperparameters; defaults as PyTorch',
});

export type OptimizerConfig = Resolved<typeof OptimizerSchema>;
type Partly<T> = T extends { type: infer N; learning_rate: number }
  ? { type: N; learning_rate: number } & Partial<Omit<T, 'type' | 'learning_rate'>>
  : never;
/** An optimiser config with only `type` and `learning_rate` required (what code and tests write by hand). */
export type OptimizerInput = Partly<OptimizerConfig>;

/** `o` with the schema's defaults of its variant filled in (what validation does to a config). */
export function withOptimizerDefaults(o: OptimizerInput): OptimizerConfig {
  const variant = VARIANTS.find((v) => v.properties.type.const === o.type);
  if (variant === undefined) throw new Error(`unknown optimizer type '${String(o.type)}'`);
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(variant.properties)) {
    const d: unknown = (prop as { default?: unknown }).default;
    if (d !== undefined) out[key] = structuredClone(d);
  }
  // every key of the variant has a default but type and learning_rate, which `o` has
  return { ...out, ...o } as OptimizerConfig;
}

/** Copies of the weights the optimiser keeps (state slots) besides the weights and their gradients. */
export function optimizerSlots(o: OptimizerConfig): number {
  switch (o.type) {
    case 'adam':
    case 'adamw':
      return 2;
    case 'sgd':
      return o.momentum > 0 ? 1 : 0;
    case 'rmsprop':
      return o.momentum > 0 ? 2 : 1;
    case 'adagrad':
      return 1;
  }
}
