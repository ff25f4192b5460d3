/**
 * Builds the tfjs model a config describes: one input and encoder per modality (looked up in the encoder
 * registry), a gate per modality, the fusion method (fusion registry), and the task head.
 *
 * A fusion over tokens (attention, transformer, cross_attention, bottleneck) gets each modality as a token
 * sequence: an encoder's `output: sequence` as it is, a pooled embedding as one token; the modality's
 * ModalityTokenGate gives the token mask (padding, and every token when the modality is masked or dropped).
 * Every other fusion gets one embedding per modality: a sequence is first mean-pooled over its real steps, and the
 * modality's ModalityDropout gate replaces a masked or dropped embedding by zeros.
 */
import * as tf from '../tf.js';
import type { ExperimentConfig } from '../experiment/schema.js';
import { encoderRegistry } from './encoders/index.js';
import { findEncoder, isSequence, type EncodedSequence, type InputMeta } from './encoders/registry.js';
import { fusionRegistry } from './fusions/index.js';
import { findFusion, FusionConfigError, validateFusion, type Embedding, type TokenSequence } from './fusions/registry.js';
import { classificationTarget, taskHead, taskLoss, taskTrainMetric, type TaskTarget } from './heads/tasks.js';
import './layers/index.js'; // registers the custom layers for tf.loadLayersModel
import { MaskedPooling } from './layers/masked-pooling.js';
import { ModalityDropout } from './layers/modality-dropout.js';
import { ModalityTokenGate } from './layers/modality-token-gate.js';

export { createOptimizer } from './optimizers/create.js';
import { LayerContext } from './layers-context.js';

export interface ModelInput {
  name: string;
  modality: string;
  shape: number[];
  /** what the encoder needs to know from preprocessing (vocabulary size, pretrained vectors or model) */
  meta?: InputMeta;
}

/** The runtime switch of one modality's gate (for ablations: evaluate with the modality masked). */
export interface ModalityMask {
  /** remove the modality for every example: its tokens masked (fusions over tokens), or its embedding zeroed (the others) */
  setMasked(on: boolean): void;
  readonly masked: boolean;
  /** how a masked modality is removed */
  readonly missing: MaskingKind;
}

/** 'tokens': every token of the modality masked; 'zero': its embedding zeroed. */
export type MaskingKind = 'tokens' | 'zero';

/** The multi-output graph trained when the fusion has auxiliary losses (late fusion with aux_loss_weight > 0). */
export interface TrainingGraph {
  /** outputs: [fused probabilities, ...auxiliary probabilities]; the same layers and weights as `model` */
  model: tf.LayersModel;
  /** loss weight per output, in output order (1 for the fused output); the reported per-output losses include it */
  lossWeights: number[];
  /** the input name each auxiliary output belongs to, in output order after the fused one */
  auxiliary: string[];
}

export interface BuiltModel {
  /**
   * The model with one output, the fused class probabilities [batch, classes]: predict, evaluate, save and count
   * parameters with it. Every layer and weight of the network is in it.
   */
  model: tf.LayersModel;
  /** the same object as `model` (a single-output view, whatever the method trains with) */
  predictor: tf.LayersModel;
  /** set only when training needs extra outputs (auxiliary losses); `train()` then steps this graph */
  training?: TrainingGraph;
  /** input names in the order the model takes them */
  inputs: ModelInput[];
  /** embedding size per input (per step for a sequence) */
  embeddingDims: Record<string, number>;
  /** steps per input: 1 for a pooled embedding, the sequence length for an encoder with `output: sequence` */
  sequenceLengths: Record<string, number>;
  /** one mask switch per input, present whatever `fusion.modality_dropout` is */
  masks: Record<string, ModalityMask>;
  /** the task the head was built for (its loss is what `compileModel` uses) */
  target: TaskTarget;
}

/**
 * `target`: the task's target (classes, task; `TargetState` fits), or just a class count for classification.
 * The head and, for `late` fusion, each modality's head follow the task.
 */
export function buildModel(config: ExperimentConfig, inputs: ModelInput[], target: number | TaskTarget): BuiltModel {
  const task = typeof target === 'number' ? classificationTarget(target) : target;
  const numClasses = task.classes.length;
  const fusion = findFusion(fusionRegistry, config.fusion.type);
  const issues = validateFusion(
    fusionRegistry,
    config.fusion,
    inputs.map((i) => i.name),
  );
  if (issues.length) throw new FusionConfigError(issues);

  const root = new LayerContext('mmx', config.seed);
  const symbolic: tf.SymbolicTensor[] = [];
  const embeddings: Embedding[] = [];
  const sequences: TokenSequence[] = [];
  const embeddingDims: Record<string, number> = {};
  const sequenceLengths: Record<string, number> = {};
  const masks: Record<string, ModalityMask> = {};
  for (const input of inputs) {
    const cfg = config.inputs[input.name]!;
    const x = tf.input({ shape: input.shape, name: input.name });
    symbolic.push(x);
    const ctx = root.child(input.name);
    const encoder = findEncoder(encoderRegistry, cfg.type, cfg.encoder.type);
    const out = encoder.build({
      input: x,
      featureShape: input.shape,
      options: cfg.encoder as never,
      ctx,
      ...(input.meta ? { meta: input.meta } : {}),
    });
    const steps: tf.SymbolicTensor = isSequence(out) ? out.sequence : out;
    embeddingDims[input.name] = steps.shape[steps.shape.length - 1] ?? 0;
    sequenceLengths[input.name] = isSequence(out) ? (out.sequence.shape[1] ?? 0) : 1;
    if (fusion.tokens) {
      const seq: EncodedSequence = isSequence(out)
        ? out
        : {
            sequence: tf.layers
              .reshape({ targetShape: [1, embeddingDims[input.name]!], name: ctx.name('as_token') })
              .apply(out) as tf.SymbolicTensor,
          };
      const gate = new ModalityTokenGate({ rate: config.fusion.modality_dropout, seed: ctx.nextSeed(), name: ctx.name('modality_gate') });
      masks[input.name] = {
        setMasked: (on) => gate.setMasked(on),
        get masked() {
          return gate.isMasked;
        },
        missing: 'tokens',
      };
      const mask = gate.apply(seq.mask ? [seq.sequence, seq.mask] : seq.sequence) as tf.SymbolicTensor;
      sequences.push({ name: input.name, tokens: seq.sequence, mask });
      continue;
    }
    // a sequence for a pooled fusion: the mean over its real steps
    const emb = isSequence(out)
      ? (new MaskedPooling({ mode: 'mean', name: ctx.name('sequence_mean') }).apply(
          out.mask ? [out.sequence, out.mask] : out.sequence,
        ) as tf.SymbolicTensor)
      : out;
    const gate = new ModalityDropout({
      rate: config.fusion.modality_dropout,
      seed: ctx.nextSeed(),
      missing: 'zero',
      name: ctx.name('modality_gate'),
    });
    masks[input.name] = {
      setMasked: (on) => gate.setMasked(on),
      get masked() {
        return gate.isMasked;
      },
      missing: 'zero',
    };
    embeddings.push({ name: input.name, tensor: gate.apply(emb) as tf.SymbolicTensor });
  }
  const fused = fusion.build({
    embeddings,
    sequences,
    options: config.fusion as never,
    ctx: root.child('fusion'),
    numClasses,
    head: (x, ctx) => taskHead(x, task, ctx),
  });
  const name = config.name.replace(/[^A-Za-z0-9_]/g, '_');
  let output: tf.SymbolicTensor;
  let training: TrainingGraph | undefined;
  if (fused instanceof tf.SymbolicTensor) {
    output = taskHead(fused, task, root.child('head'));
  } else {
    output = fused.probabilities;
    const aux = fused.auxiliary ?? [];
    if (aux.length) {
      training = {
        model: tf.model({ inputs: symbolic, outputs: [output, ...aux.map((a) => a.probabilities)], name: `${name}_training` }),
        lossWeights: [1, ...aux.map((a) => a.weight)],
        auxiliary: aux.map((a) => a.name),
      };
    }
  }
  const model = tf.model({ inputs: symbolic, outputs: output, name });
  return { model, predictor: model, ...(training ? { training } : {}), inputs, embeddingDims, sequenceLengths, masks, target: task };
}

/**
 * Compiles what `train()` steps: `built.model` (the task's loss — cross-entropy for classification — and its
 * accuracy, none for regression) and, when the fusion has auxiliary losses, the training graph (one task loss
 * per output with its loss weight; accuracy on the fused output only), sharing one optimiser.
 */
export function compileModel(built: BuiltModel, optimizer: tf.Optimizer): void {
  const metric = taskTrainMetric(built.target);
  built.model.compile({ optimizer, loss: taskLoss(built.target), metrics: metric ? [metric] : [] });
  compileTrainingGraph(built, optimizer);
}

/** Compiles `built.training` (if any) with `optimizer`; a no-op when it is already compiled. */
export function compileTrainingGraph(built: BuiltModel, optimizer: tf.Optimizer): void {
  const t = built.training;
  if (!t || (t.model as { optimizer?: unknown }).optimizer) return;
  const fusedName = t.model.outputNames[0]!;
  const loss = taskLoss(built.target);
  const metric = taskTrainMetric(built.target);
  // tfjs 4.22 has no lossWeights: each auxiliary output's loss function scales its own loss
  const losses = t.lossWeights.map((w) => (w === 1 ? loss : (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mul(loss(yTrue, yPred), w)));
  t.model.compile({ optimizer, loss: losses as never, metrics: metric ? { [fusedName]: metric } : {} });
}

/** Runs `fn` with the named inputs masked (the others unmasked), restoring every mask afterwards. */
export async function withMasked<T>(built: BuiltModel, masked: readonly string[], fn: () => Promise<T> | T): Promise<T> {
  const before = Object.fromEntries(Object.entries(built.masks).map(([k, m]) => [k, m.masked]));
  for (const [k, m] of Object.entries(built.masks)) m.setMasked(masked.includes(k));
  try {
    return await fn();
  } finally {
    for (const [k, m] of Object.entries(built.masks)) m.setMasked(before[k] ?? false);
  }
}
