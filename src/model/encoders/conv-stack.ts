/**
 * A stack of convolutional blocks (conv → [batch norm] → activation → [pool]) followed by a global
 * reduction, dropout and a dense projection. Shared by the image `cnn` (2-D), audio `cnn1d` (1-D over
 * time, mel bands as channels) and audio `cnn2d` encoders, which differ only in dimensionality.
 * With `output: sequence` the last feature map is not reduced: its steps (1-D), positions (image) or rows (the
 * spectrogram's frames) are projected one by one.
 */
import * as tf from '../../tf.js';
import type { LayerContext } from '../layers-context.js';
import { Cost, product, type SizeEstimate } from '../size/cost.js';
import type { ActivationName, OutputKind } from './common.js';
import { dropout, mapToSequence, projectSequence } from './dense-head.js';
import type { EncoderOutput } from './registry.js';

export interface ConvStackOptions {
  filters: number[];
  kernel_size: number;
  pooling: 'max' | 'avg' | 'none';
  pool_size: number;
  activation: ActivationName;
  batch_norm: boolean;
  global_pool: 'flatten' | 'avg' | 'max';
  dropout: number;
  output_dim: number;
  output: OutputKind;
}

type Act = Parameters<typeof tf.layers.activation>[0]['activation'];

/** What a 2-D stack's sequence is made of: every position (an image) or every row (a spectrogram's frames). */
export type MapSequence = 'positions' | 'rows';

export function convStack(
  input: tf.SymbolicTensor,
  o: ConvStackOptions,
  ctx: LayerContext,
  dims: 1 | 2,
  as: MapSequence = 'positions',
): EncoderOutput {
  let x = input;
  for (const filters of o.filters) {
    const common = {
      filters,
      kernelSize: o.kernel_size,
      padding: 'same' as const,
      useBias: !o.batch_norm,
      activation: (o.batch_norm ? 'linear' : o.activation) as Act,
      kernelInitializer: ctx.kernelInit(),
    };
    x = (
      dims === 2 ? tf.layers.conv2d({ ...common, name: ctx.name('conv') }) : tf.layers.conv1d({ ...common, name: ctx.name('conv') })
    ).apply(x) as tf.SymbolicTensor;
    if (o.batch_norm) {
      x = tf.layers.batchNormalization({ name: ctx.name('bn') }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.activation({ activation: o.activation as Act, name: ctx.name('act') }).apply(x) as tf.SymbolicTensor;
    }
    const length = x.shape[1] ?? 0;
    if (o.pooling !== 'none' && length >= o.pool_size) {
      const pool = { poolSize: o.pool_size, strides: o.pool_size, name: ctx.name('pool') };
      const layer =
        dims === 2
          ? o.pooling === 'max'
            ? tf.layers.maxPooling2d(pool)
            : tf.layers.averagePooling2d(pool)
          : o.pooling === 'max'
            ? tf.layers.maxPooling1d(pool)
            : tf.layers.averagePooling1d(pool);
      x = layer.apply(x) as tf.SymbolicTensor;
    }
  }
  if (o.output === 'sequence') return projectSequence(dims === 2 ? mapToSequence(x, as, ctx) : x, undefined, o, ctx);
  const reduce =
    o.global_pool === 'flatten'
      ? tf.layers.flatten({ name: ctx.name('flatten') })
      : dims === 2
        ? o.global_pool === 'avg'
          ? tf.layers.globalAveragePooling2d({ name: ctx.name('gap') })
          : tf.layers.globalMaxPooling2d({ name: ctx.name('gmp') })
        : o.global_pool === 'avg'
          ? tf.layers.globalAveragePooling1d({ name: ctx.name('gap') })
          : tf.layers.globalMaxPooling1d({ name: ctx.name('gmp') });
  x = reduce.apply(x) as tf.SymbolicTensor;
  x = dropout(x, o.dropout, ctx);
  return tf.layers
    .dense({ units: o.output_dim, activation: o.activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name('proj') })
    .apply(x) as tf.SymbolicTensor;
}

/**
 * The size of `convStack` over an input of `shape` ([steps, channels] for 1-D, [height, width, channels] for 2-D):
 * the blocks, the global reduction, dropout and the projection; with `output: sequence`, the projection of each
 * step of the last feature map (`as` for a 2-D one).
 */
export function convStackCost(shape: number[], o: ConvStackOptions, dims: 1 | 2, as: MapSequence = 'positions'): SizeEstimate {
  const cost = new Cost();
  const spatial = shape.slice(0, dims);
  const channels = shape[dims] ?? 1;
  const last = cost.convBlocks(['filters'], spatial, channels, o);
  if (o.output === 'sequence') {
    const [a = 1, b = 1] = last.spatial;
    const [steps, width] = dims === 1 ? [a, last.channels] : as === 'positions' ? [a * b, last.channels] : [a, b * last.channels];
    return { outputDim: cost.project(width, o, steps), steps, parts: cost.parts };
  }
  const reduced = o.global_pool === 'flatten' ? product(last.spatial) * last.channels : last.channels;
  cost.elementwise(['global_pool'], o.global_pool, reduced);
  return { outputDim: cost.project(reduced, o), parts: cost.parts };
}
