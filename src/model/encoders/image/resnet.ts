/**
 * Image encoder `resnet`: a small residual network. A 3×3 stem, then one stage per entry of `widths`, each of
 * `blocks` basic blocks (conv → [BN] → act → conv → [BN], plus the shortcut, → act); every stage after the first
 * starts with stride 2 and a 1×1 projection shortcut. Global average pooling, dropout, projection.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import type { LayerContext } from '../../layers-context.js';
import { ActivationOption, dropoutOption, outputDimOption, outputOption, type ActivationName } from '../common.js';
import { mapToSequence, project, projectSequence, type Act } from '../dense-head.js';
import { defineEncoder } from '../registry.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'resnet',
  {
    widths: Default(
      Type.Array(Type.Integer({ minimum: 1, maximum: 2048 }), {
        minItems: 1,
        maxItems: 6,
        description: 'filters of each stage; stages after the first halve the resolution',
      }),
      [16, 32, 64],
    ),
    blocks: Default(Type.Integer({ minimum: 1, maximum: 8, description: 'residual blocks per stage' }), 2),
    kernel_size: Default(Type.Integer({ minimum: 1, maximum: 7, description: 'convolution kernel size' }), 3),
    batch_norm: Default(Type.Boolean({ description: 'batch normalisation after each convolution' }), true),
    activation: Default(ActivationOption, 'relu'),
    dropout: dropoutOption(0),
    output_dim: outputDimOption(128),
    output: outputOption('position of the last stage (height × width halved per stage after the first)'),
  },
  { title: 'image resnet encoder', description: 'A small residual network (stages of basic blocks), global average pooling, projection.' },
);

interface Opts {
  kernel_size: number;
  batch_norm: boolean;
  activation: ActivationName;
}

function conv(x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, o: Opts, ctx: LayerContext): tf.SymbolicTensor {
  let h = tf.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: !o.batch_norm,
      kernelInitializer: ctx.kernelInit(),
      name: ctx.name('conv'),
    })
    .apply(x) as tf.SymbolicTensor;
  if (o.batch_norm) h = tf.layers.batchNormalization({ name: ctx.name('bn') }).apply(h) as tf.SymbolicTensor;
  return h;
}

const act = (x: tf.SymbolicTensor, o: Opts, ctx: LayerContext) =>
  tf.layers.activation({ activation: o.activation as Act, name: ctx.name('act') }).apply(x) as tf.SymbolicTensor;

export const imageResnet = defineEncoder<typeof schema>({
  modality: 'image',
  type: 'resnet',
  schema,
  build: ({ input, options: o, ctx }) => {
    let x = act(conv(input, o.widths[0]!, o.kernel_size, 1, o, ctx), o, ctx);
    let channels = o.widths[0]!;
    o.widths.forEach((width, stage) => {
      for (let b = 0; b < o.blocks; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        let h = act(conv(x, width, o.kernel_size, stride, o, ctx), o, ctx);
        h = conv(h, width, o.kernel_size, 1, o, ctx);
        const shortcut = stride !== 1 || channels !== width ? conv(x, width, 1, stride, o, ctx) : x;
        x = act(tf.layers.add({ name: ctx.name('add') }).apply([h, shortcut]) as tf.SymbolicTensor, o, ctx);
        channels = width;
      }
    });
    if (o.output === 'sequence') return projectSequence(mapToSequence(x, 'positions', ctx), undefined, o, ctx);
    const pooled = tf.layers.globalAveragePooling2d({ name: ctx.name('gap') }).apply(x) as tf.SymbolicTensor;
    return project(pooled, o, ctx);
  },
  estimate: ({ featureShape, options: o }) => {
    const cost = new Cost();
    let [h = 1, w = 1, channels = 1] = featureShape;
    const conv = (from: number, to: number, kernel: number, stride: number, at: (string | number)[]): void => {
      if (stride > 1) [h, w] = [Math.ceil(h / stride), Math.ceil(w / stride)];
      cost.add(at, `conv ${kernel}×${kernel}, ${from} → ${to} filters`, kernel * kernel * from * to + (o.batch_norm ? 0 : to), h * w * to);
      if (o.batch_norm) cost.batchNorm(at, to, h * w * to);
    };
    const act = (c: number): void => cost.elementwise([], 'activation', h * w * c);
    conv(channels, o.widths[0]!, o.kernel_size, 1, ['widths', 0]);
    act(o.widths[0]!);
    channels = o.widths[0]!;
    o.widths.forEach((width, stage) => {
      for (let b = 0; b < o.blocks; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const [h0, w0] = [h, w];
        conv(channels, width, o.kernel_size, stride, ['widths', stage]);
        act(width);
        conv(width, width, o.kernel_size, 1, ['widths', stage]);
        if (stride !== 1 || channels !== width) {
          const [h1, w1] = [h, w];
          [h, w] = [h0, w0];
          conv(channels, width, 1, stride, ['widths', stage]);
          [h, w] = [h1, w1];
        }
        cost.elementwise(['widths', stage], 'residual', h * w * width);
        act(width);
        channels = width;
      }
    });
    if (o.output === 'sequence') return { outputDim: cost.project(channels, o, h * w), steps: h * w, parts: cost.parts };
    cost.elementwise([], 'global average pooling', channels);
    return { outputDim: cost.project(channels, o), parts: cost.parts };
  },
});
