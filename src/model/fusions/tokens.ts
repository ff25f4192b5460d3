/**
 * Building blocks of the fusions over tokens (attention, transformer, cross_attention, bottleneck): each
 * modality's tokens projected to the fusion's width with a position embedding, the modalities' sequences joined
 * into one, and pooling that skips masked tokens.
 */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { MaskedPooling, type MaskedPoolingMode } from '../layers/masked-pooling.js';
import { PositionEmbedding } from '../layers/position-embedding.js';
import { TokenSlice } from '../layers/token-slice.js';
import type { Cost } from '../size/cost.js';
import { merge, poolTokens, poolTokensCost, type TokenPooling } from './common.js';
import type { EstimatedEmbedding, TokenSequence } from './registry.js';

/** A modality's tokens at the fusion's width [batch, T, dim], with their mask [batch, T]. */
export interface FusionTokens {
  name: string;
  tokens: tf.SymbolicTensor;
  mask: tf.SymbolicTensor;
  /** T */
  length: number;
}

/**
 * Each modality's tokens through its own linear projection to `dim` (its bias also tells the modalities apart),
 * plus a learned position embedding per token where the modality has more than one.
 * Parameters: Σ_m (E_m + 1)·dim + Σ_{T_m > 1} T_m·dim.
 */
export function embedSequences(sequences: TokenSequence[], dim: number, ctx: LayerContext): FusionTokens[] {
  return sequences.map((s) => {
    let x = tf.layers
      .dense({ units: dim, kernelInitializer: ctx.kernelInit(), name: ctx.name(`${s.name}_proj`) })
      .apply(s.tokens) as tf.SymbolicTensor;
    const length = x.shape[1] as number;
    if (length > 1) x = new PositionEmbedding({ seed: ctx.nextSeed(), name: ctx.name(`${s.name}_pos`) }).apply(x) as tf.SymbolicTensor;
    return { name: s.name, tokens: x, mask: s.mask, length };
  });
}

/** The modalities' tokens one after the other [batch, ΣT, dim], their masks likewise, and each modality's T. */
export function joinSequences(
  parts: FusionTokens[],
  ctx: LayerContext,
): { tokens: tf.SymbolicTensor; mask: tf.SymbolicTensor; segments: number[] } {
  const segments = parts.map((p) => p.length);
  if (parts.length === 1) return { tokens: parts[0]!.tokens, mask: parts[0]!.mask, segments };
  const tokens = tf.layers.concatenate({ axis: 1, name: ctx.name('tokens') }).apply(parts.map((p) => p.tokens)) as tf.SymbolicTensor;
  const mask = tf.layers.concatenate({ axis: 1, name: ctx.name('token_mask') }).apply(parts.map((p) => p.mask)) as tf.SymbolicTensor;
  return { tokens, mask, segments };
}

/**
 * Tokens → one vector per example over the real tokens only: mean, max, concat (masked tokens zeroed), the [CLS]
 * token, or `modality`: each modality's mean over its real tokens, side by side (`parts`: each modality's mask and
 * token count, in order).
 */
export function poolMasked(
  x: tf.SymbolicTensor,
  mask: tf.SymbolicTensor,
  pooling: TokenPooling,
  ctx: LayerContext,
  parts: { masks: tf.SymbolicTensor[]; segments: number[] },
): tf.SymbolicTensor {
  if (pooling === 'cls') return poolTokens(x, 'cls', ctx);
  if (pooling !== 'modality')
    return new MaskedPooling({ mode: pooling satisfies MaskedPoolingMode, name: ctx.name(`pool_${pooling}`) }).apply([
      x,
      mask,
    ]) as tf.SymbolicTensor;
  let begin = 0;
  const pooled = parts.segments.map((size, m) => {
    const tokens = new TokenSlice({ begin, size, name: ctx.name('modality_tokens') }).apply(x) as tf.SymbolicTensor;
    begin += size;
    return new MaskedPooling({ mode: 'mean', name: ctx.name('pool_modality') }).apply([tokens, parts.masks[m]!]) as tf.SymbolicTensor;
  });
  return merge('concatenate', pooled, ctx);
}

/** Σ T_m. */
export const totalTokens = (tokens: number[]): number => tokens.reduce((a, b) => a + b, 0);

/** The size of `embedSequences` (see src/model/size/): each modality's projection of its tokens, its position embedding. */
export function embedSequencesCost(cost: Cost, embeddings: readonly EstimatedEmbedding[], dim: number): void {
  for (const e of embeddings) {
    cost.dense(['dim'], e.dim, dim, true, e.tokens);
    if (e.tokens > 1) cost.add(['dim'], `position embedding of ${e.name}`, e.tokens * dim, e.tokens * dim);
  }
}

/** The size of `joinSequences` and `poolMasked` over the joined tokens (`tokens` of them, `modalities` modalities): the pooled width. */
export function poolMaskedCost(cost: Cost, pooling: TokenPooling, tokens: number, d: number, modalities: number): number {
  if (pooling !== 'modality') return poolTokensCost(cost, pooling, tokens, d);
  cost.elementwise(['pooling'], 'each modality pooled', modalities * d);
  return modalities * d;
}
