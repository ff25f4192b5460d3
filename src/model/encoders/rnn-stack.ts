/**
 * Recurrent layers over a sequence [batch, steps, features] → the last state [batch, units (×2 bidirectional)], or
 * with `sequence` the last layer's state at every step [batch, steps, units (×2)].
 * Shared by the text (after an embedding, with PAD masking) and audio (over frames) encoders.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../tf.js';
import { Default } from '../../config/schema-kit.js';
import type { LayerContext } from '../layers-context.js';
import { FastGRU } from '../layers/fast-gru.js';
import { FastLSTM } from '../layers/fast-lstm.js';
import { dropout } from './dense-head.js';

export const rnnOptions = {
  units: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'units per recurrent layer (each direction)' }), 64),
  layers: Default(Type.Integer({ minimum: 1, maximum: 8, description: 'stacked recurrent layers' }), 1),
  recurrent_dropout: Default(Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout between stacked recurrent layers' }), 0),
};

export interface RnnStackOptions {
  units: number;
  layers: number;
  recurrent_dropout: number;
}

export function rnnStack(
  x: tf.SymbolicTensor,
  cell: 'lstm' | 'gru',
  bidirectional: boolean,
  o: RnnStackOptions,
  ctx: LayerContext,
  sequence = false,
): tf.SymbolicTensor {
  let h = x;
  for (let l = 0; l < o.layers; l++) {
    const last = l === o.layers - 1;
    const args = {
      units: o.units,
      returnSequences: !last || sequence,
      kernelInitializer: ctx.kernelInit(),
      // seeded (tfjs's default orthogonal initialiser is unseeded, and warns on large kernels)
      recurrentInitializer: ctx.kernelInit(),
    };
    // mmx's FastLSTM / FastGRU: the same maths, weights and masking as tf.layers.lstm / gru with a few kernel calls
    // per step instead of dozens (src/model/layers/fast-lstm.ts, fast-gru.ts); tf.layers.bidirectional wraps them
    // like a tfjs RNN.
    const make = (name: string) => (cell === 'lstm' ? new FastLSTM({ ...args, name }) : new FastGRU({ ...args, name }));
    const layer = bidirectional
      ? tf.layers.bidirectional({
          layer: make(ctx.name(`${cell}_cell`)) as unknown as tf.RNN,
          mergeMode: 'concat',
          name: ctx.name(`bi${cell}`),
        })
      : make(ctx.name(cell));
    h = layer.apply(h) as tf.SymbolicTensor;
    if (!last && o.recurrent_dropout > 0) h = dropout(h, o.recurrent_dropout, ctx);
  }
  return h;
}
