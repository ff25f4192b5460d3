/**
 * RankWeightedSum (Low-rank Multimodal Fusion, Liu et al. 2018): reads the per-rank fused factors [batch, r, d]
 * and returns Σ_i λ_i · x[:, i, :] + b, shape [batch, d]. Weights: λ (r, Glorot-uniform) and the bias b (d, zeros),
 * the paper's fusion weights and fusion bias.
 */
import * as tf from '../../tf.js';
import { one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface RankWeightedSumArgs extends NonNullable<BaseLayerArgs> {
  seed?: number;
}

export class RankWeightedSum extends tf.layers.Layer {
  static className = 'MmxRankWeightedSum';
  readonly seed: number;
  private lambda: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: RankWeightedSumArgs = {}) {
    super(args);
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, rank, dim] = inputShape as Shape;
    if (typeof rank !== 'number' || typeof dim !== 'number') throw new Error(`${this.name}: expects [batch, rank, dim]`);
    this.lambda = this.addWeight('lambda', [1, rank], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight('bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0] ?? null, s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const rank = x.shape[1]!;
      const weighted = tf.mul(x, tf.reshape(this.lambda!.read(), [1, rank, 1]));
      return tf.add(tf.sum(weighted, 1), this.bias!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(RankWeightedSum);
