/**
 * One transformer encoder block, built from mmx's layers: multi-head attention with a key mask, a feed-forward
 * sublayer W_2 act(W_1 x + b_1) + b_2, residual connections, dropout and layer normalisation. Used by the text
 * transformer and patch encoders and by the transformer, cross_attention and bottleneck fusions.
 *   post-norm (Vaswani et al.; BERT):  x = LN(x + Drop(MHA(x, S))),    x = LN(x + Drop(FF(x)))
 *   pre-norm (ViT, MulT, bottleneck):  x = x + Drop(MHA(LN(x), LN(S))), x = x + Drop(FF(LN(x)))
 * S is the key/value sequence: x itself (self-attention) or another modality's tokens (cross-attention), whose
 * mask says which keys are real. Parameters (d = x's size, e = S's size, F = ff_dim): attention 2d² + 2ed + 4d
 * (4(d² + d) for self-attention), feed-forward (d + 1)·F + (F + 1)·d, 2d per layer norm (two; three for pre-norm
 * cross-attention, where S has its own).
 */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { MmxDropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { MultiHeadAttention } from './multi-head-attention.js';

type Act = Parameters<typeof tf.layers.activation>[0]['activation'];

export interface TransformerBlockOptions {
  heads: number;
  /** width of the feed-forward sublayer */
  ffDim: number;
  /** activation inside the feed-forward sublayer */
  activation: string;
  /** dropout after attention and after the feed-forward sublayer */
  dropout: number;
  norm: 'pre' | 'post';
}

export interface BlockInputs {
  /** x's key mask [batch, T] for self-attention (non-zero at real tokens); absent: every token is real */
  mask?: tf.SymbolicTensor;
  /** cross-attention: the key/value tokens and their mask, instead of x itself */
  source?: { tokens: tf.SymbolicTensor; mask?: tf.SymbolicTensor };
}

export const layerNorm = (x: tf.SymbolicTensor, ctx: LayerContext): tf.SymbolicTensor =>
  new LayerNorm({ name: ctx.name('norm') }).apply(x) as tf.SymbolicTensor;

const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor, ctx: LayerContext): tf.SymbolicTensor =>
  tf.layers.add({ name: ctx.name('residual') }).apply([a, b]) as tf.SymbolicTensor;

/** mmx's dropout (a new mask every batch; tfjs's own layer, given a seed, draws the same mask on every batch). */
function drop(x: tf.SymbolicTensor, rate: number, ctx: LayerContext): tf.SymbolicTensor {
  return rate > 0 ? (new MmxDropout({ rate, seed: ctx.nextSeed(), name: ctx.name('block_dropout') }).apply(x) as tf.SymbolicTensor) : x;
}

function feedForward(x: tf.SymbolicTensor, o: TransformerBlockOptions, d: number, ctx: LayerContext): tf.SymbolicTensor {
  const inner = tf.layers
    .dense({ units: o.ffDim, activation: o.activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name('ff1') })
    .apply(x) as tf.SymbolicTensor;
  return tf.layers.dense({ units: d, kernelInitializer: ctx.kernelInit(), name: ctx.name('ff2') }).apply(inner) as tf.SymbolicTensor;
}

function attention(
  query: tf.SymbolicTensor,
  source: tf.SymbolicTensor | undefined,
  mask: tf.SymbolicTensor | undefined,
  heads: number,
  ctx: LayerContext,
) {
  const inputs = [query, ...(source ? [source] : []), ...(mask ? [mask] : [])];
  const layer = new MultiHeadAttention({ heads, seed: ctx.nextSeed(), name: ctx.name('mha') });
  return layer.apply(inputs.length === 1 ? query : inputs) as tf.SymbolicTensor;
}

/** One block over tokens x [batch, T, d]; returns [batch, T, d]. */
export function transformerBlock(
  x: tf.SymbolicTensor,
  o: TransformerBlockOptions,
  ctx: LayerContext,
  io: BlockInputs = {},
): tf.SymbolicTensor {
  const d = x.shape[2] as number;
  const mask = io.source ? io.source.mask : io.mask;
  if (o.norm === 'post') {
    const attended = attention(x, io.source?.tokens, mask, o.heads, ctx);
    const h = layerNorm(add(x, drop(attended, o.dropout, ctx), ctx), ctx);
    return layerNorm(add(h, drop(feedForward(h, o, d, ctx), o.dropout, ctx), ctx), ctx);
  }
  const q = layerNorm(x, ctx);
  const source = io.source ? layerNorm(io.source.tokens, ctx) : undefined;
  const h = add(x, drop(attention(q, source, mask, o.heads, ctx), o.dropout, ctx), ctx);
  return add(h, drop(feedForward(layerNorm(h, ctx), o, d, ctx), o.dropout, ctx), ctx);
}
