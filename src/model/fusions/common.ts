/** Options and building blocks every fusion method shares: projections, token stacks, pooling, the MLP after fusion. */
import * as tf from '../../tf.js';
import { Type } from '@sinclair/typebox';
import { Default, Enum, FilledIn } from '../../config/schema-kit.js';
import { ActivationOption, type ActivationName } from '../encoders/common.js';
import { dropout } from '../encoders/dense-head.js';
import type { LayerContext } from '../layers-context.js';
import type { Cost } from '../size/cost.js';

/** Options of every fusion method (each method adds `dim` and its own). */
export const fusionCommonOptions = {
  hidden: FilledIn(
    Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), {
      maxItems: 8,
      description:
        'sizes of the dense layers after fusion, before the output head ([] for none). Default: [128] with two or more inputs, [] with a single input (its embedding goes straight to the head)',
    }),
  ),
  dropout: Default(Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout after each hidden layer' }), 0),
  activation: Default(ActivationOption, 'relu'),
  modality_dropout: Default(
    Type.Number({
      minimum: 0,
      maximum: 0.95,
      description:
        'probability of dropping a whole modality per training example (fusions over tokens mask all its tokens; the others replace its embedding by zeros); never at inference',
    }),
    0,
  ),
};

const dimSchema = (description: string) => Type.Integer({ minimum: 1, maximum: 65536, description });

/** `dim` with a default: the size each modality is projected to (or the fused size). */
export const dimOption = (value: number, description = 'size each modality embedding is projected to before fusion') =>
  Default(dimSchema(description), value);

/** `dim` that may be left out (no projection then). */
export const optionalDim = (description: string) => Type.Optional(dimSchema(description));

export const tokenPoolingNames = ['mean', 'max', 'concat'] as const;
export type TokenPooling = (typeof tokenPoolingNames)[number] | 'cls' | 'modality';

export const poolingOption = <const V extends readonly string[]>(values: V, value: V[number]) =>
  Default(
    Enum(values, {
      description:
        "how the tokens become one vector: mean or max over the real tokens, concat (side by side), cls (the [CLS] token), modality (each modality's mean, side by side: M·dim)",
    }),
    value as never,
  );

type Act = Parameters<typeof tf.layers.activation>[0]['activation'];

/** Dense → activation → dropout, for each size in `hidden`. */
export function hiddenLayers(
  x: tf.SymbolicTensor,
  o: { hidden: number[]; dropout: number; activation: ActivationName },
  ctx: LayerContext,
): tf.SymbolicTensor {
  let y = x;
  for (const units of o.hidden) {
    y = tf.layers
      .dense({ units, activation: o.activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name('dense') })
      .apply(y) as tf.SymbolicTensor;
    y = dropout(y, o.dropout, ctx);
  }
  return y;
}

/** A dense layer x → `units` (with bias: (in + 1)·units parameters). */
export function dense(
  x: tf.SymbolicTensor,
  units: number,
  ctx: LayerContext,
  part: string,
  activation: ActivationName | 'tanh' | 'linear' = 'linear',
  extra: Partial<Parameters<typeof tf.layers.dense>[0]> = {},
): tf.SymbolicTensor {
  return tf.layers
    .dense({ units, activation: activation as Act, kernelInitializer: ctx.kernelInit(), name: ctx.name(part), ...extra })
    .apply(x) as tf.SymbolicTensor;
}

/** Each embedding through its own linear projection to `dim`. */
export function projectEach(
  embeddings: { name: string; tensor: tf.SymbolicTensor }[],
  dim: number,
  ctx: LayerContext,
  activation: ActivationName | 'tanh' | 'linear' = 'linear',
): tf.SymbolicTensor[] {
  return embeddings.map((e) => dense(e.tensor, dim, ctx, `${e.name}_proj`, activation));
}

export function merge(
  kind: 'add' | 'average' | 'maximum' | 'multiply' | 'concatenate',
  xs: tf.SymbolicTensor[],
  ctx: LayerContext,
): tf.SymbolicTensor {
  if (xs.length === 1) return xs[0]!;
  const name = ctx.name(kind);
  const layer =
    kind === 'add'
      ? tf.layers.add({ name })
      : kind === 'average'
        ? tf.layers.average({ name })
        : kind === 'maximum'
          ? tf.layers.maximum({ name })
          : kind === 'multiply'
            ? tf.layers.multiply({ name })
            : tf.layers.concatenate({ name });
  return layer.apply(xs) as tf.SymbolicTensor;
}

/** [batch, d] × M → [batch, M, d] (one token per modality). */
export function stackTokens(xs: tf.SymbolicTensor[], ctx: LayerContext): tf.SymbolicTensor {
  const d = xs[0]!.shape[1] as number;
  const tokens = xs.map((x) => tf.layers.reshape({ targetShape: [1, d], name: ctx.name('token') }).apply(x) as tf.SymbolicTensor);
  return tokens.length === 1
    ? tokens[0]!
    : (tf.layers.concatenate({ axis: 1, name: ctx.name('tokens') }).apply(tokens) as tf.SymbolicTensor);
}

/** [batch, T, d] → [batch, d] (mean, max, cls: token 0) or [batch, T·d] (concat). */
export function poolTokens(x: tf.SymbolicTensor, pooling: Exclude<TokenPooling, 'modality'>, ctx: LayerContext): tf.SymbolicTensor {
  switch (pooling) {
    case 'mean':
      return tf.layers.globalAveragePooling1d({ name: ctx.name('pool_mean') }).apply(x) as tf.SymbolicTensor;
    case 'max':
      return tf.layers.globalMaxPooling1d({ name: ctx.name('pool_max') }).apply(x) as tf.SymbolicTensor;
    case 'concat':
      return tf.layers.flatten({ name: ctx.name('pool_concat') }).apply(x) as tf.SymbolicTensor;
    case 'cls': {
      // token 0: [T, d] seen as a one-channel image, cropped to its first row (tfjs has no Cropping1D)
      const [t, d] = [x.shape[1] as number, x.shape[2] as number];
      const image = tf.layers.reshape({ targetShape: [t, d, 1], name: ctx.name('cls_view') }).apply(x) as tf.SymbolicTensor;
      const first = tf.layers
        .cropping2D({
          cropping: [
            [0, t - 1],
            [0, 0],
          ],
          name: ctx.name('cls'),
        })
        .apply(image) as tf.SymbolicTensor;
      return tf.layers.flatten({ name: ctx.name('pool_cls') }).apply(first) as tf.SymbolicTensor;
    }
  }
}

/** The size of `hiddenLayers` over `inDim` features (see src/model/size/); returns the output size. */
export function hiddenCost(cost: Cost, inDim: number, o: { hidden: number[]; dropout: number }): number {
  return cost.denseStack(['hidden'], inDim, o.hidden, o);
}

/** The size of `projectEach` to `dim` (linear, with bias); `path` names the option that sets `dim`. */
export function projectEachCost(
  cost: Cost,
  embeddings: readonly { name: string; dim: number }[],
  dim: number,
  path: (string | number)[] = ['dim'],
): void {
  for (const e of embeddings) cost.dense(path, e.dim, dim);
}

/** The size of `poolTokens` over `tokens` × `d`: the pooled width. */
export function poolTokensCost(cost: Cost, pooling: TokenPooling, tokens: number, d: number): number {
  const out = pooling === 'concat' ? tokens * d : d;
  cost.elementwise(['pooling'], `${pooling} pooling`, out);
  return out;
}
