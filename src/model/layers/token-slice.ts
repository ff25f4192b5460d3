/** TokenSlice: tokens [begin, begin + size) of a sequence [batch, steps, dim] → [batch, size, dim]. No weights. */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface TokenSliceArgs extends NonNullable<BaseLayerArgs> {
  begin: number;
  size: number;
}

export class TokenSlice extends tf.layers.Layer {
  static className = 'MmxTokenSlice';
  readonly begin: number;
  readonly size: number;

  constructor(args: TokenSliceArgs) {
    super(args);
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, , d] = shapes(inputShape)[0]!;
    return [b ?? null, this.size, d ?? null];
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.slice(one(inputs), [0, this.begin, 0], [-1, this.size, -1]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}
tf.serialization.registerClass(TokenSlice);
