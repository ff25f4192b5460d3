/** OneHot: an index [batch, 1] → its one-hot vector [batch, depth] (the categorical `onehot` encoder). No weights. */
import * as tf from '../../tf.js';
import { one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface OneHotArgs extends NonNullable<BaseLayerArgs> {
  depth: number;
}

export class OneHot extends tf.layers.Layer {
  static className = 'MmxOneHot';
  readonly depth: number;

  constructor(args: OneHotArgs) {
    super(args);
    this.depth = args.depth;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapes(inputShape)[0]![0] ?? null, this.depth];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const ids = tf.cast(tf.reshape(x, [x.shape[0]!]), 'int32');
      // int32 then cast: tfjs-backend-wasm 4.22's OneHot with dtype float32 writes the int bit pattern (1 → 1.4e-45)
      return tf.cast(tf.oneHot(ids, this.depth), 'float32');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depth: this.depth };
  }
}
tf.serialization.registerClass(OneHot);
