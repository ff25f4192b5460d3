/**
 * FeatureTokenizer (FT-Transformer, Gorishniy et al. 2021): each of the k numeric features of an example becomes
 * a token of size `dim`, t_j = x_j · w_j + b_j, so a table's features can enter a token fusion one by one:
 * [batch, k] → [batch, k, dim]. Weights: w and b, k·dim each (w Glorot-uniform-like, b zeros).
 */
import * as tf from '../../tf.js';
import { one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface FeatureTokenizerArgs extends NonNullable<BaseLayerArgs> {
  dim: number;
  seed?: number;
}

export class FeatureTokenizer extends tf.layers.Layer {
  static className = 'MmxFeatureTokenizer';
  readonly dim: number;
  readonly seed: number;
  private w: tf.LayerVariable | undefined;
  private b: tf.LayerVariable | undefined;

  constructor(args: FeatureTokenizerArgs) {
    super(args);
    this.dim = args.dim;
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const k = shapes(inputShape)[0]![1];
    if (typeof k !== 'number') throw new Error(`${this.name}: the number of features must be known`);
    this.w = this.addWeight('weight', [k, this.dim], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.b = this.addWeight('bias', [k, this.dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, k] = shapes(inputShape)[0]!;
    return [b ?? null, k ?? null, this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(tf.mul(tf.expandDims(one(inputs), 2), this.w!.read()), this.b!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, seed: this.seed };
  }
}
tf.serialization.registerClass(FeatureTokenizer);
