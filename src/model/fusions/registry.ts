/**
 * The fusion registry: each fusion method registers its `type` name, its options schema, the checks its options
 * need beyond the schema, and how it builds the fused representation from the per-modality embeddings. Adding
 * one is adding a file and listing it in `./index.ts`.
 */
import type * as tf from '../../tf.js';
import type { TObject } from '@sinclair/typebox';
import type { Resolved } from '../../config/schema-kit.js';
import type { LayerContext } from '../layers-context.js';
import type { SizeEstimate } from '../size/cost.js';

export interface Embedding {
  /** the input's name under `inputs:` */
  name: string;
  /** [batch, embeddingDim], after the modality's ModalityDropout gate (an encoder's sequence mean-pooled first) */
  tensor: tf.SymbolicTensor;
}

/** What a fusion over tokens gets per modality: its tokens (a pooled encoder's embedding is one token) and their mask. */
export interface TokenSequence {
  /** the input's name under `inputs:` */
  name: string;
  /** [batch, T, embeddingDim] as the encoder output it */
  tokens: tf.SymbolicTensor;
  /**
   * [batch, T] from the modality's ModalityTokenGate: 1 at a real token, 0 at padding and at every token of a
   * masked or dropped modality. A fusion must give masked tokens no influence on its output.
   */
  mask: tf.SymbolicTensor;
}

export interface FusionBuildInput<O> {
  /** one embedding per modality, in the order the inputs are declared (empty for a method over `tokens`) */
  embeddings: Embedding[];
  /** for a method over `tokens`: one token sequence per modality, in declaration order (else empty) */
  sequences: TokenSequence[];
  options: O;
  ctx: LayerContext;
  /** number of classes of the task (for methods that include their own heads, e.g. `late`) */
  numClasses: number;
  /**
   * the task's output layer (softmax over classes, sigmoid per label, or a linear unit) for methods that
   * include their own heads; absent: a softmax over `numClasses`
   */
  head?: (x: tf.SymbolicTensor, ctx: LayerContext) => tf.SymbolicTensor;
}

/** What a method that includes its own classifier heads returns instead of a feature vector. */
export interface FusionHeadOutput {
  /** the fused class probabilities [batch, numClasses]: the model's (single) prediction */
  probabilities: tf.SymbolicTensor;
  /** extra outputs trained with their own cross-entropy, scaled by `weight` (the fused output has weight 1) */
  auxiliary?: { name: string; probabilities: tf.SymbolicTensor; weight: number }[];
}

/** One problem with the fusion options; `path` is from the config root (e.g. ['fusion', 'conditioner']). */
export interface FusionIssue {
  path: string[];
  message: string;
  hint?: string;
}

/** A modality as a fusion's estimate sees it. */
export interface EstimatedEmbedding {
  name: string;
  /** the embedding's size (each token's, for a method over tokens) */
  dim: number;
  /** tokens the modality brings to a method over tokens (1 for a pooled embedding, and for every other method) */
  tokens: number;
}

/** What a fusion's size estimate knows: the embedding sizes, and the output layer's width (for methods with heads). */
export interface FusionEstimateInput<O> {
  options: O;
  /**
   * one embedding per modality, in the order the inputs are declared; for a method over tokens, `tokens` is how many
   * the modality brings (its sequence's steps; 1 for a pooled embedding), each of size `dim`
   */
  embeddings: EstimatedEmbedding[];
  /** units of the task's output layer (classes; 1 for binary and regression) */
  outputUnits: number;
}

/** A fusion's estimate; `includesHead`: the method builds the output layer(s) itself (late fusion). */
export interface FusionSizeEstimate extends SizeEstimate {
  includesHead?: boolean;
}

export interface FusionDefinition<S extends TObject = TObject> {
  type: string;
  schema: S;
  /** fewest modalities the method is defined for (default 1) */
  minModalities?: number;
  /** most modalities the method is defined for (default: no limit) */
  maxModalities?: number;
  /**
   * whether the method fuses token sequences (`sequences`) instead of one embedding per modality: then each
   * modality passes a ModalityTokenGate (a masked or dropped modality's tokens are masked, not zeroed)
   */
  tokens?: boolean;
  /** checks that need the input names or several options together (the modality count is checked for you) */
  validate?(options: Resolved<S>, inputNames: string[]): FusionIssue[];
  /** build the fused representation [batch, features] that the head reads, or the method's own probabilities */
  build(args: FusionBuildInput<Resolved<S>>): tf.SymbolicTensor | FusionHeadOutput;
  /** the parameters and activations `build` creates, and the fused size, without building anything (src/model/size/) */
  estimate(args: FusionEstimateInput<Resolved<S>>): FusionSizeEstimate;
}

export function defineFusion<S extends TObject>(def: FusionDefinition<S>): FusionDefinition<S> {
  return def;
}

export function findFusion(registry: readonly FusionDefinition[], type: string): FusionDefinition {
  const found = registry.find((f) => f.type === type);
  if (!found) throw new Error(`no fusion named '${type}' (known: ${registry.map((f) => f.type).join(', ')})`);
  return found;
}

/**
 * Every problem with `fusion:` for a model whose inputs are `inputNames` (in declaration order): the number of
 * modalities the method supports, then the method's own checks. Empty when all is well.
 */
export function validateFusion(registry: readonly FusionDefinition[], fusion: { type: string }, inputNames: string[]): FusionIssue[] {
  const def = registry.find((f) => f.type === fusion.type);
  if (!def)
    return [
      { path: ['fusion', 'type'], message: `unknown fusion '${fusion.type}'`, hint: `one of: ${registry.map((f) => f.type).join(', ')}` },
    ];
  const n = inputNames.length;
  const min = def.minModalities ?? 1;
  if (n < min) {
    return [
      {
        path: ['fusion', 'type'],
        message: `${def.type} fusion combines at least ${min} modalities, but the config has ${n} input${n === 1 ? '' : 's'} (${inputNames.join(', ') || 'none'})`,
        hint:
          n === 1
            ? 'with one input there is nothing to fuse: use fusion.type: concat (the embedding as it is)'
            : `add inputs or choose another fusion.type`,
      },
    ];
  }
  if (def.maxModalities !== undefined && n > def.maxModalities) {
    return [
      {
        path: ['fusion', 'type'],
        message: `${def.type} fusion is defined for at most ${def.maxModalities} modalities, but the config has ${n} (${inputNames.join(', ')})`,
        hint: 'choose another fusion.type, or fewer inputs',
      },
    ];
  }
  return def.validate?.(fusion as never, inputNames) ?? [];
}

/** Thrown by buildModel when the fusion options are invalid (semantic validation normally catches this first). */
export class FusionConfigError extends Error {
  constructor(readonly issues: FusionIssue[]) {
    super(issues.map((i) => `${i.path.join('.')}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`).join('\n'));
    this.name = 'FusionConfigError';
  }
}
