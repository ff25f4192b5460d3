/**
 * The size of the model a config describes, before anything is built: each encoder's and the fusion's own
 * estimate (their definitions' `estimate`), the modality gates and the output layer, summed into parameters and
 * activations, and turned into the memory a training step needs. `mmx validate` (and `mmx run`, before a run
 * exists) refuses a model whose estimate passes `runtime.max_model_memory_mb`, naming the figure and the option
 * that makes it large — instead of a run that grows to many GB and dies.
 */
import type { ExperimentConfig } from '../../experiment/schema.js';
import { dotted, type ConfigIssue, type SourceLocation } from '../../config/issues.js';
import { findModality } from '../../data/modalities/index.js';
import { encoderRegistry } from '../encoders/index.js';
import { findEncoder } from '../encoders/registry.js';
import { fusionRegistry } from '../fusions/index.js';
import { findFusion, type EstimatedEmbedding } from '../fusions/registry.js';
import { outputUnits } from '../heads/tasks.js';
import { product, type SizeEstimate, type SizePart } from './cost.js';
import { DEFAULT_MAX_MODEL_MEMORY_MB } from './option.js';
import { optimizerSlots } from '../optimizers/schema.js';

/** A part of the whole model, its path from the config root (e.g. ['fusion', 'hidden', 1]). */
export interface ModelPart extends SizePart {
  path: (string | number)[];
}

export interface ModelEstimate {
  params: number;
  /** floats per example kept for the backward pass */
  activations: number;
  parts: ModelPart[];
}

/** What is known about an input besides the config: its vocabulary size (ids it embeds), if any. */
export interface KnownInput {
  vocabSize?: number;
}

/** One input's encoder estimate, its parts' paths from the config root; undefined when it cannot be known yet. */
export interface InputEstimate {
  name: string;
  /** one example's feature shape */
  shape: number[];
  estimate: SizeEstimate | undefined;
  /** the input's features and the encoder's parts, their paths from the config root */
  parts: ModelPart[];
}

/**
 * Each input's encoder estimate, in declaration order (see `estimateModel` for `known` and `cells`). Throws a
 * RangeError for preprocessing options that leave no feature shape (an audio window under two samples).
 */
export function estimateInputs(
  config: ExperimentConfig,
  known: Record<string, KnownInput> = {},
  cells?: (input: string) => Iterable<string>,
): InputEstimate[] {
  return Object.entries(config.inputs).map(([name, input]) => {
    const modality = findModality(input.type);
    const shape = modality.featureShape(input.preprocessing as never, input);
    const column = input.column;
    const vocabSize =
      known[name]?.vocabSize ?? modality.vocabularyBound?.(input.preprocessing as never, cells ? () => cells(column) : undefined);
    const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
    const e = encoder.estimate({ options: input.encoder as never, featureShape: shape, ...(vocabSize !== undefined ? { vocabSize } : {}) });
    const parts: ModelPart[] = [
      { path: ['inputs', name, 'preprocessing'], what: `input features ${shape.join(' × ')}`, params: 0, activations: product(shape) },
      ...(e?.parts ?? []).map((p) => ({ ...p, path: ['inputs', name, 'encoder', ...p.path] })),
    ];
    return { name, shape, estimate: e, parts };
  });
}

/**
 * The estimate for `config`, with `units` output units (classes; 1 for binary and regression). `known` gives what
 * the config alone does not say (vocabulary sizes); without it, each modality's bound is used. Undefined when a
 * part cannot be estimated before the data is prepared (a pretrained model file, a vocabulary not yet known).
 *
 * Between encoders and fusion (src/model/build.ts): a fusion over tokens gets each encoder's sequence as it is (a
 * pooled embedding as one token), through the modality's token gate (no weights); any other fusion gets a sequence's
 * mean over its real steps.
 */
export function estimateModel(
  config: ExperimentConfig,
  units: number,
  known: Record<string, KnownInput> = {},
  cells?: (input: string) => Iterable<string>,
): ModelEstimate | undefined {
  const parts: ModelPart[] = [];
  const embeddings: EstimatedEmbedding[] = [];
  const fusion = findFusion(fusionRegistry, config.fusion.type);
  for (const input of estimateInputs(config, known, cells)) {
    const e = input.estimate;
    if (!e) return undefined;
    parts.push(...input.parts);
    const steps = e.steps ?? 1;
    if (e.steps !== undefined && !fusion.tokens)
      parts.push({
        path: ['inputs', input.name, 'encoder', 'output'],
        what: 'mean over the sequence',
        params: 0,
        activations: e.outputDim,
      });
    embeddings.push({ name: input.name, dim: e.outputDim, tokens: fusion.tokens ? steps : 1 });
  }
  const f = fusion.estimate({ options: config.fusion as never, embeddings, outputUnits: units });
  for (const p of f.parts) parts.push({ ...p, path: ['fusion', ...p.path] });
  if (!f.includesHead) {
    parts.push({
      path: ['fusion', 'hidden'],
      what: `output layer ${f.outputDim} → ${units}`,
      params: (f.outputDim + 1) * units,
      activations: units,
    });
  }
  return {
    params: parts.reduce((s, p) => s + p.params, 0),
    activations: parts.reduce((s, p) => s + p.activations, 0),
    parts,
  };
}

/** Copies of the weights a training step holds: the weights and their gradients, plus the optimiser's state. */
export function weightCopies(optimizer: ExperimentConfig['training']['optimizer']): number {
  return 2 + optimizerSlots(optimizer);
}

/** Bytes a training step needs: float32 weights × copies, and the activations of a batch with their gradients. */
export function trainingMemory(est: ModelEstimate, config: ExperimentConfig): { weights: number; activations: number; total: number } {
  // gradient accumulation keeps one more copy: the running sum of the group's gradients
  const weights = est.params * 4 * (weightCopies(config.training.optimizer) + (config.training.accumulate_batches > 1 ? 1 : 0));
  const activations = est.activations * config.training.batch_size * 4 * 2;
  return { weights, activations, total: weights + activations };
}

const MiB = 2 ** 20;
const gib = (bytes: number): string => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(bytes / MiB)} MiB`);
const count = (n: number): string =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} billion` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : n.toLocaleString('en-US');

/** The output units of the task, when the class count is known (else a lower bound: 2). */
export function taskUnits(config: ExperimentConfig, classes?: number): number {
  return outputUnits({ task: config.target.task, classes: Array.from({ length: classes ?? 2 }, (_, i) => String(i)) });
}

export interface KnownData {
  /** classes (or labels) of the training split; unknown: the fewest a task has */
  classes?: number;
  inputs?: Record<string, KnownInput>;
  /** a column's cells (to bound a categorical input's vocabulary) */
  cells?: (column: string) => Iterable<string>;
}

/**
 * The issue for a model whose estimated training memory passes `runtime.max_model_memory_mb`, located at the option
 * of the largest part (what to lower); none when it fits or cannot be estimated.
 */
export function modelSizeIssues(
  config: ExperimentConfig,
  locate: (path: (string | number)[]) => SourceLocation | undefined,
  known: KnownData = {},
): ConfigIssue[] {
  return checkModelSize(config, locate, known).issues;
}

/** The estimate, its training memory, and the issue when it is over the limit (see `modelSizeIssues`). */
export function checkModelSize(
  config: ExperimentConfig,
  locate: (path: (string | number)[]) => SourceLocation | undefined,
  known: KnownData = {},
): { estimate?: ModelEstimate; memory?: ReturnType<typeof trainingMemory>; issues: ConfigIssue[] } {
  let est: ModelEstimate | undefined;
  try {
    est = estimateModel(config, taskUnits(config, known.classes), known.inputs, known.cells);
  } catch (err) {
    // options another check refuses (an audio window under two samples, ...) leave no shape to estimate
    if (err instanceof RangeError) return { issues: [] };
    throw err;
  }
  if (!est) return { issues: [] };
  const memory = trainingMemory(est, config);
  const limitMb = config.runtime.max_model_memory_mb ?? DEFAULT_MAX_MODEL_MEMORY_MB;
  if (memory.total <= limitMb * MiB) return { estimate: est, memory, issues: [] };
  const copies = weightCopies(config.training.optimizer);
  const batch = config.training.batch_size;
  const cost = (p: ModelPart): number => p.params * 4 * copies + p.activations * batch * 8;
  const largest = est.parts.reduce((a, b) => (cost(b) > cost(a) ? b : a));
  const byActivations = largest.activations * batch * 8 > largest.params * 4 * copies;
  const where = dotted(largest.path);
  const issues: ConfigIssue[] = [
    {
      ...(locate(largest.path) ?? { file: '?' }),
      path: where,
      message:
        `the model would need about ${gib(memory.total)} to train, over runtime.max_model_memory_mb (${limitMb.toLocaleString('en-US')} MiB): ` +
        `${count(est.params)} parameters (${gib(memory.weights)} with gradients and ${config.training.optimizer.type} state) and the activations of a batch of ${batch} (${gib(memory.activations)}); ` +
        `the largest part is ${where} (${largest.what}: ${count(largest.params)} parameters${byActivations ? `, ${count(largest.activations)} activations per example` : ''})`,
      hint: `lower ${where}${byActivations ? ' or training.batch_size' : ''}, or raise runtime.max_model_memory_mb on a machine with the memory`,
    },
  ];
  return { estimate: est, memory, issues };
}
