/**
 * The experiment config language, v1. This file assembles the top-level sections; modality,
 * encoder and fusion fragments live beside their code and come in through their registries.
 * `npm run schema` writes the result to `schemas/experiment.schema.json`.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { AudioInput, CategoricalInput, ImageInput, NumericInput, TextInput } from '../data/modalities/index.js';
import { fusions } from '../model/fusions/index.js';
import { SweepSchema } from '../search/schema.js';
import { DATASET_NAMES } from '../datasets/names.js';
import { Closed, Default, Discriminated, Enum, FilledIn, type Resolved } from '../config/schema-kit.js';
import { WorkersOption } from '../train/parallel/options.js';
import { cacheRuntimeOptions } from '../data/cache/options.js';
import { ThreadsOption } from '../backend/threads/option.js';
import { MaxFileMbOption } from '../data/files/media-file.js';
import { MaxModelMemoryOption } from '../model/size/option.js';
import { OptimizerSchema } from '../model/optimizers/schema.js';
import { LrScheduleSchema } from '../train/schedule/schema.js';
import { AccumulateBatchesOption, GradientClippingSchema } from '../train/optim/schema.js';
import { taskNames } from '../core/tasks.js';
import { defaultMetrics, metricNames, metricsDescription } from '../metrics/registry.js';

export const SCHEMA_ID = 'https://mmx.dev/schemas/experiment.schema.json';

const Name = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.\\- ]*$',
  maxLength: 200,
  description: 'run name: letters, digits, space, _ . -',
});

const Ratio = Type.Number({ minimum: 0, maximum: 1 });

/**
 * Either `{column: split}` (the manifest says which split each row is in) or `{ratios: {...}}` (rows are
 * shuffled with the seed and cut, optionally per class). One object with a `oneOf` on which of the two keys
 * is present, so that defaults still apply (Ajv does not apply defaults inside `anyOf`).
 */
const Split = Type.Object(
  {
    column: Type.Optional(Type.String({ minLength: 1, description: 'manifest column whose value names the split of each row' })),
    train: Default(Type.String({ description: 'with column: the value meaning "training"' }), 'train'),
    validation: Default(Type.String({ description: 'with column: the value meaning "validation"' }), 'validation'),
    test: Default(Type.String({ description: 'with column: the value meaning "test"' }), 'test'),
    ratios: Type.Optional(
      Closed({ train: Ratio, validation: Ratio, test: Ratio }, { description: 'fractions of rows for each split; they must add up to 1' }),
    ),
    stratify: Default(Type.Boolean({ description: 'with ratios: keep the class proportions in every split' }), false),
    seed: Type.Optional(Type.Integer({ description: 'with ratios: shuffle seed for the split; default: the experiment seed' })),
  },
  {
    additionalProperties: false,
    oneOf: [{ required: ['column'] }, { required: ['ratios'] }],
    description:
      'how rows are assigned to train / validation / test: {column: NAME} or {ratios: {train, validation, test}}. Required with data.path; with data.dataset the default is {column: split}, the split every built-in data set ships',
  },
);

/**
 * `{path: FILE}` (a manifest of one's own) or `{dataset: NAME}` (a built-in data set, downloaded and prepared
 * on first use): exactly one of the two, with the same `oneOf`-on-required trick as `Split` so that
 * defaults still apply.
 */
const Data = Type.Object(
  {
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'manifest file (.csv, .tsv, .jsonl), one row per example; relative to the config file that names it',
      }),
    ),
    dataset: Type.Optional(
      Enum(DATASET_NAMES, {
        description:
          'a built-in data set (mmx datasets list), instead of path: downloaded once into MMX_DATA_HOME, verified, then used as is',
      }),
    ),
    format: Type.Optional(
      Enum(['csv', 'tsv', 'jsonl'], {
        description: 'manifest format; default: from the file extension',
      }),
    ),
    split: FilledIn(Split),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'use only the first N rows of the manifest (quick trials)' })),
    max_file_mb: MaxFileMbOption,
    on_error: Default(
      Enum(['error', 'skip'], {
        description: 'an unreadable file: stop with an error naming the row (error), or skip the row with a counted warning (skip)',
      }),
      'error',
    ),
  },
  {
    additionalProperties: false,
    oneOf: [{ required: ['path'] }, { required: ['dataset'] }],
    description: 'where the examples are and how they are split: {path: FILE} or {dataset: NAME}',
  },
);

/**
 * The target. Task-specific options are optional without a schema default (a default would make them look
 * written for every task); the semantic check rejects an option the task does not use, and the task code
 * (`src/model/heads/tasks.ts`) applies the defaults documented here.
 */
const Target = Closed(
  {
    column: Type.String({
      minLength: 1,
      description: 'manifest column holding the label (multilabel: a delimited list of labels; regression: a number)',
    }),
    task: Default(
      Enum(taskNames, {
        description:
          'learning task: classification (one of N classes, softmax), binary (two classes, sigmoid), multilabel (any subset of labels, sigmoid per label), regression (a number, linear output)',
      }),
      'classification',
    ),
    missing: Default(
      Enum(['error', 'drop_row'], {
        description: 'a row without a label: stop with an error naming it (error), or leave it out, counted and reported (drop_row)',
      }),
      'error',
    ),
    label_smoothing: Type.Optional(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        description: 'classification, binary: mix the one-hot target with the uniform distribution by this amount (default 0)',
      }),
    ),
    class_weight: Type.Optional(
      Type.Union(
        [Type.Literal('balanced'), Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), { additionalProperties: false })],
        {
          description:
            "classification, binary: weight each example's loss by its class: balanced (n / (classes × n_class), from the training split) or a map class → weight (unlisted classes: 1)",
        },
      ),
    ),
    positive_class: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'binary: the label value that is the positive class; default: the second of the two sorted labels (1, true, yes, spam, ...)',
      }),
    ),
    threshold: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description: 'binary, multilabel: probability at or above which an example is predicted positive (default 0.5)',
      }),
    ),
    delimiter: Type.Optional(Type.String({ minLength: 1, description: "multilabel: what separates the labels in a cell (default '|')" })),
    loss: Type.Optional(
      Enum(['mse', 'huber'], { description: 'regression: mean squared error or Huber loss, on the normalised target (default mse)' }),
    ),
    huber_delta: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'regression with loss: huber: where the loss turns from quadratic to linear, in normalised units (default 1)',
      }),
    ),
    normalize: Type.Optional(
      Enum(['standard', 'none'], {
        description:
          'regression: standardise the target with the training split mean and standard deviation (predictions are mapped back; default standard)',
      }),
    ),
  },
  { description: 'what the model predicts' },
);

const Inputs = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' }),
  Discriminated([ImageInput, AudioInput, TextInput, NumericInput, CategoricalInput]),
  {
    minProperties: 1,
    additionalProperties: false,
    description: 'one entry per modality; the key names the input (letters, digits, _)',
  },
);

const FusionSchema = Discriminated(fusions.map((f) => f.schema) as [(typeof fusions)[number]['schema']], {
  description: 'how the per-modality embeddings are combined',
});

const EarlyStopping = Closed(
  {
    monitor: Default(Type.String({ description: 'metric watched: val_loss, val_accuracy, val_macro_f1, train_loss, ...' }), 'val_loss'),
    patience: Default(Type.Integer({ minimum: 0, description: 'epochs without improvement before stopping' }), 3),
    min_delta: Default(Type.Number({ minimum: 0, description: 'smallest change that counts as an improvement' }), 0),
    mode: Default(
      Enum(['auto', 'min', 'max'], {
        description: 'whether lower or higher is better; auto: min for losses, max otherwise',
      }),
      'auto',
    ),
    restore_best: Default(Type.Boolean({ description: 'restore the weights of the best epoch at the end' }), true),
  },
  { description: 'stop when the monitored metric stops improving' },
);

const Training = Closed(
  {
    epochs: Default(Type.Integer({ minimum: 1, maximum: 100000 }), 10),
    batch_size: Default(Type.Integer({ minimum: 1, maximum: 65536 }), 32),
    optimizer: Default(OptimizerSchema, { type: 'adam' } as never),
    shuffle: Default(Type.Boolean({ description: 'reshuffle the training rows every epoch' }), true),
    early_stopping: Type.Optional(EarlyStopping),
    lr_schedule: Default(LrScheduleSchema, { type: 'constant' } as never),
    gradient_clipping: Type.Optional(GradientClippingSchema),
    accumulate_batches: AccumulateBatchesOption,
    repeats: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description:
          'train and test this many times with seeds seed, seed+1, ... (same split) as child runs of one parent run, which logs the mean, sd and 95% CI of every test metric (also --repeat N)',
      }),
    ),
  },
  { description: 'optimisation hyperparameters' },
);

const Evaluation = Closed(
  {
    metrics: Default(
      // the metric registry (src/metrics/) lists the metrics, what each task computes and its defaults
      Type.Array(Enum(metricNames), { minItems: 1, uniqueItems: true, description: metricsDescription(taskNames) }),
      defaultMetrics('classification'),
    ),
    ablation: Default(
      Type.Boolean({
        description:
          'after training, re-evaluate the test set with each modality masked (its tokens masked for a fusion over tokens, else its embedding zeroed) and report what each contributes',
      }),
      false,
    ),
  },
  { description: 'what is measured' },
);

const Tracking = Closed(
  {
    uri: Type.Optional(
      Type.String({ minLength: 1, description: 'tracking store: a folder or file: URI; default $MLFLOW_TRACKING_URI, else ./runs' }),
    ),
    experiment: Default(Type.String({ minLength: 1, maxLength: 500, description: 'MLflow experiment name' }), 'Default'),
    tags: Default(Type.Record(Type.String(), Type.String(), { description: 'extra tags set on the run' }), {}),
  },
  { description: 'where runs are logged (MLflow)' },
);

export const backendNames = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

const Runtime = Closed(
  {
    backend: Default(
      Enum(backendNames, {
        description: 'compute backend; auto picks the fastest available',
      }),
      'auto',
    ),
    ...cacheRuntimeOptions,
    workers: WorkersOption,
    threads: ThreadsOption,
    max_model_memory_mb: MaxModelMemoryOption,
  },
  { description: 'where the computation runs' },
);

export const ExperimentSchema = Closed(
  {
    $schema: Type.Optional(Type.String({ description: 'JSON Schema reference for editors' })),
    name: Name,
    description: Type.Optional(Type.String()),
    seed: Default(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'random seed for splits, weights and shuffling' }), 42),
    extends: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1 })], {
        description: 'config file(s) this one builds on (deep merge, this file wins); relative to this file',
      }),
    ),
    data: Data,
    target: Target,
    inputs: Inputs,
    fusion: Default(FusionSchema, { type: 'concat' } as never),
    training: Default(Training, {} as never),
    evaluation: Default(Evaluation, {} as never),
    tracking: Default(Tracking, {} as never),
    runtime: Default(Runtime, {} as never),
    sweep: Type.Optional(SweepSchema),
  },
  { title: 'mmx experiment', description: 'One multimodal experiment: data, one encoder per modality, fusion, training.' },
);

/** A config after validation, with every default applied. */
export type ExperimentConfig = Resolved<typeof ExperimentSchema>;
export type InputConfig = ExperimentConfig['inputs'][string];
export type SplitConfig = ExperimentConfig['data']['split'];

/** The JSON Schema document written to `schemas/experiment.schema.json`. */
let jsonSchema: Record<string, unknown> | undefined;

export function experimentJsonSchema(): Record<string, unknown> {
  jsonSchema ??= {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID,
    // a JSON round trip drops TypeBox's symbol-keyed metadata
    ...(JSON.parse(JSON.stringify(ExperimentSchema as TSchema)) as Record<string, unknown>),
  };
  return jsonSchema;
}
