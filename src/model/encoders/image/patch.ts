/**
 * Image encoder `patch` (ViT, Dosovitskiy et al. 2021): the image cut into non-overlapping `patch_size` ×
 * `patch_size` patches, each flattened and linearly projected to `dim` (a convolution with kernel and stride
 * patch_size), a learned position embedding per patch, `layers` pre-norm transformer blocks over the patches and a
 * final layer normalisation; then the mean over the patches, projected to output_dim, or with `output: sequence`
 * every patch, projected, for a token fusion.
 *
 * Parameters (P = patch_size, C channels, N = (height / P)·(width / P) patches, F = ff_dim):
 *   (P²·C + 1)·dim + N·dim + layers·(4(dim² + dim) + (dim + 1)·F + (F + 1)·dim + 4·dim) + 2·dim + (dim + 1)·output_dim.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Variant } from '../../../config/schema-kit.js';
import { MaskedPooling } from '../../layers/masked-pooling.js';
import { PositionEmbedding } from '../../layers/position-embedding.js';
import { layerNorm, transformerBlock } from '../../layers/transformer-block.js';
import { ActivationOption, dropoutOption, outputDimOption, outputOption } from '../common.js';
import { project, projectSequence } from '../dense-head.js';
import { defineEncoder, type EncoderIssue } from '../registry.js';
import { Cost } from '../../size/cost.js';

const schema = Variant(
  'patch',
  {
    patch_size: Default(
      Type.Integer({
        minimum: 1,
        maximum: 256,
        description: 'side of the square patches in pixels; it must divide the image height and width',
      }),
      4,
    ),
    dim: Default(Type.Integer({ minimum: 1, maximum: 4096, description: 'size of each patch embedding (the transformer width)' }), 64),
    layers: Default(
      Type.Integer({ minimum: 0, maximum: 24, description: 'transformer blocks over the patches (0: patch embeddings only)' }),
      2,
    ),
    heads: Default(Type.Integer({ minimum: 1, maximum: 64, description: 'attention heads; dim must be divisible by heads' }), 4),
    ff_dim: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65536, description: "width of each block's feed-forward layer; default 2·dim" }),
    ),
    attention_dropout: Default(
      Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout after attention and feed-forward, inside the blocks' }),
      0,
    ),
    activation: Default(ActivationOption, 'relu'),
    dropout: dropoutOption(0),
    output_dim: outputDimOption(64),
    output: outputOption('patch (height / patch_size × width / patch_size of them)'),
  },
  {
    title: 'image patch encoder (ViT)',
    description:
      'Vision-transformer style: non-overlapping patches, a linear projection and position embedding per patch, transformer blocks; the mean over the patches (or every patch with output: sequence), projected.',
  },
);

const patches = (size: number, p: number): number => Math.floor(size / p);

export const imagePatch = defineEncoder<typeof schema>({
  modality: 'image',
  type: 'patch',
  schema,
  build: ({ input, options: o, ctx }) => {
    const grid = tf.layers
      .conv2d({
        filters: o.dim,
        kernelSize: o.patch_size,
        strides: o.patch_size,
        padding: 'valid',
        kernelInitializer: ctx.kernelInit(),
        name: ctx.name('patchify'),
      })
      .apply(input) as tf.SymbolicTensor;
    const [, rows, cols] = grid.shape as [null, number, number, number];
    let x = tf.layers.reshape({ targetShape: [rows * cols, o.dim], name: ctx.name('patches') }).apply(grid) as tf.SymbolicTensor;
    x = new PositionEmbedding({ seed: ctx.nextSeed(), name: ctx.name('pos') }).apply(x) as tf.SymbolicTensor;
    if (o.layers > 0) {
      const block = {
        heads: o.heads,
        ffDim: o.ff_dim ?? 2 * o.dim,
        activation: o.activation,
        dropout: o.attention_dropout,
        norm: 'pre',
      } as const;
      for (let l = 0; l < o.layers; l++) x = transformerBlock(x, block, ctx);
      x = layerNorm(x, ctx);
    }
    if (o.output === 'sequence') return projectSequence(x, undefined, o, ctx);
    const pooled = new MaskedPooling({ mode: 'mean', name: ctx.name('pool') }).apply(x) as tf.SymbolicTensor;
    return project(pooled, o, ctx);
  },
  estimate: ({ options: o, featureShape: [h = 1, w = 1, c = 1] }) => {
    const cost = new Cost();
    const n = patches(h, o.patch_size) * patches(w, o.patch_size);
    const d = o.dim;
    const p = o.patch_size;
    cost.add(['dim'], `patch projection ${p}×${p}×${c} → ${d}`, (p * p * c + 1) * d, n * d);
    cost.add(['dim'], 'position embedding', n * d, n * d);
    const block = { heads: o.heads, ffDim: o.ff_dim ?? 2 * d, dropout: o.attention_dropout, norm: 'pre' } as const;
    for (let l = 0; l < o.layers; l++)
      cost.transformerBlock({ block: ['layers'], ff: o.ff_dim !== undefined ? ['ff_dim'] : ['dim'] }, n, d, block);
    if (o.layers > 0) cost.layerNorm(['layers'], d, n * d);
    if (o.output === 'sequence') return { outputDim: cost.project(d, o, n), steps: n, parts: cost.parts };
    cost.elementwise([], 'mean over the patches', d);
    return { outputDim: cost.project(d, o), parts: cost.parts };
  },
  check: (o, [h = 1, w = 1]) => {
    const issues: EncoderIssue[] = [];
    if (h % o.patch_size !== 0 || w % o.patch_size !== 0) {
      const divisors = Array.from({ length: Math.min(h, w) }, (_, i) => i + 1).filter((p) => h % p === 0 && w % p === 0 && p > 1);
      issues.push({
        path: ['patch_size'],
        message: `patch_size ${o.patch_size} does not divide the ${h} × ${w} image (the patches must tile it)`,
        hint: divisors.length
          ? `use a patch_size among ${divisors.join(', ')}, or resize the images (preprocessing height / width) to multiples of ${o.patch_size}`
          : `resize the images (preprocessing height / width) to multiples of ${o.patch_size}`,
      });
    }
    if (o.layers > 0 && o.dim % o.heads !== 0)
      issues.push({
        path: ['heads'],
        message: `dim ${o.dim} is not divisible by ${o.heads} heads (each head gets dim / heads features)`,
        hint: `set dim to a multiple of ${o.heads} (e.g. ${Math.ceil(o.dim / o.heads) * o.heads}) or choose heads among the divisors of ${o.dim}`,
      });
    return issues;
  },
});
