/**
 * LatentTokens: `tokens` learned vectors of size `dim` (the shared bottleneck tokens of attention bottleneck
 * fusion), the same for every example: any input [batch, ...] → [batch, tokens, dim]; only the batch size of the
 * input is read. Weights: tokens·dim, from N(0, 0.02²). Broadcast, not tiled (tfjs's Tile gradient is slow on wasm).
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface LatentTokensArgs extends NonNullable<BaseLayerArgs> {
  tokens: number;
  dim: number;
  seed?: number;
}

export class LatentTokens extends tf.layers.Layer {
  static className = 'MmxLatentTokens';
  readonly tokens: number;
  readonly dim: number;
  readonly seed: number;
  private latent: tf.LayerVariable | undefined;

  constructor(args: LatentTokensArgs) {
    super(args);
    this.tokens = args.tokens;
    this.dim = args.dim;
    this.seed = args.seed ?? 1;
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.latent = this.addWeight(
      'latent',
      [this.tokens, this.dim],
      'float32',
      tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapes(inputShape)[0]![0] ?? null, this.tokens, this.dim];
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(tf.zeros([one(inputs).shape[0]!, this.tokens, this.dim]), this.latent!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), tokens: this.tokens, dim: this.dim, seed: this.seed };
  }
}
tf.serialization.registerClass(LatentTokens);
