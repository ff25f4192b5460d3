/**
 * MaskPad: a token mask [batch, steps] → [batch, before + steps + after], with 1 (a real token) for the `before`
 * tokens put in front of the sequence (a [CLS] token) and the `after` tokens appended (bottleneck tokens). No weights.
 */
import * as tf from '../../tf.js';
import { one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface MaskPadArgs extends NonNullable<BaseLayerArgs> {
  before?: number;
  after?: number;
}

export class MaskPad extends tf.layers.Layer {
  static className = 'MmxMaskPad';
  readonly before: number;
  readonly after: number;

  constructor(args: MaskPadArgs = {}) {
    super(args);
    this.before = args.before ?? 0;
    this.after = args.after ?? 0;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, t] = shapes(inputShape)[0]!;
    return [b ?? null, typeof t === 'number' ? this.before + t + this.after : null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const m = tf.cast(tf.notEqual(one(inputs), 0), 'float32');
      const batch = m.shape[0]!;
      const parts = [
        ...(this.before > 0 ? [tf.ones([batch, this.before])] : []),
        m,
        ...(this.after > 0 ? [tf.ones([batch, this.after])] : []),
      ];
      return parts.length === 1 ? m : tf.concat(parts, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), before: this.before, after: this.after };
  }
}
tf.serialization.registerClass(MaskPad);
