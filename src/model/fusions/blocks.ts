/** The options of the fusions built from transformer blocks (transformer, cross_attention, bottleneck), and the blocks they give. */
import { Type } from '@sinclair/typebox';
import { Default } from '../../config/schema-kit.js';
import type { TransformerBlockOptions } from '../layers/transformer-block.js';
import { headsOption } from './attention.js';
import { dimOption } from './common.js';

/** dim, heads, layers, ff_dim and attention_dropout, with the method's own words for dim and layers. */
export const blockOptions = (what: { dim: string; layers: string; layersDefault: number }) => ({
  dim: dimOption(64, what.dim),
  heads: headsOption,
  layers: Default(Type.Integer({ minimum: 1, maximum: 24, description: what.layers }), what.layersDefault),
  ff_dim: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, description: 'width of the feed-forward sublayer; default 2·dim' })),
  attention_dropout: Default(
    Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout after attention and feed-forward, inside the blocks' }),
    0.1,
  ),
});

/** One pre-norm block as the options describe it (the feed-forward's activation is the fusion's `activation`). */
export const preNormBlock = (o: {
  dim: number;
  heads: number;
  ff_dim?: number;
  attention_dropout: number;
  activation: string;
}): TransformerBlockOptions => ({
  heads: o.heads,
  ffDim: o.ff_dim ?? 2 * o.dim,
  activation: o.activation,
  dropout: o.attention_dropout,
  norm: 'pre',
});
