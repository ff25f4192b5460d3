/**
 * LayerNorm over the last axis: (x − mean) / √(var + ε) · γ + β. Same maths as tf.layers.layerNormalization,
 * but γ and β broadcast instead of being tiled: tfjs's Tile gradient is a Slice + Add per repetition (1,536 of each
 * for a [32, 48, d] batch), which made a transformer step ~20× slower on wasm.
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, lastDim, one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface LayerNormArgs extends NonNullable<BaseLayerArgs> {
  epsilon?: number;
}

export class LayerNorm extends tf.layers.Layer {
  static className = 'MmxLayerNorm';
  readonly epsilon: number;
  private gamma: tf.LayerVariable | undefined;
  private beta: tf.LayerVariable | undefined;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = lastDim(shapes(inputShape)[0]!, this.name);
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapes(inputShape)[0]!;
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), axis, true);
      return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, this.epsilon))), this.gamma!.read()), this.beta!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
