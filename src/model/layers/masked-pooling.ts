/**
 * MaskedPooling: a sequence [batch, steps, dim] → one vector per example, over the real steps only.
 * Inputs [x] (every step real) or [x, mask], the mask [batch, steps] non-zero at real steps: a 0/1 mask, or a
 * text's token ids themselves (PAD is 0).
 *   mean:   Σ_t m_t x_t / max(Σ_t m_t, 1)              [batch, dim]; an example without a real step gives 0
 *   max:    max over the real steps                      [batch, dim]; an example without a real step gives 0
 *   concat: the steps side by side, masked ones zeroed   [batch, steps·dim]
 * A masked step has no influence on the result (value or gradient). No weights.
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export type MaskedPoolingMode = 'mean' | 'max' | 'concat';

export interface MaskedPoolingArgs extends NonNullable<BaseLayerArgs> {
  mode?: MaskedPoolingMode;
}

/** 1 where the mask (or token id) is non-zero, else 0: float32, the mask's shape. */
export function realSteps(mask: tf.Tensor): tf.Tensor {
  return tf.cast(tf.notEqual(mask, 0), 'float32');
}

export class MaskedPooling extends tf.layers.Layer {
  static className = 'MmxMaskedPooling';
  readonly mode: MaskedPoolingMode;

  constructor(args: MaskedPoolingArgs = {}) {
    super(args);
    this.mode = args.mode ?? 'mean';
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [x] = shapes(inputShape);
    const [b, t, d] = x!;
    if (this.mode !== 'concat') return [b ?? null, d ?? null];
    return [b ?? null, typeof t === 'number' && typeof d === 'number' ? t * d : null];
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, ids] = many(inputs) as [tf.Tensor3D, tf.Tensor2D | undefined];
      const [batch, steps, dim] = x.shape;
      const mask = ids ? tf.expandDims(realSteps(ids), 2) : tf.ones([batch, steps, 1]); // [b, t, 1]
      if (this.mode === 'concat') return tf.reshape(tf.mul(x, mask), [batch, steps * dim]);
      const count = tf.sum(mask, 1); // [b, 1]
      if (this.mode === 'mean') return tf.div(tf.sum(tf.mul(x, mask), 1), tf.maximum(count, 1));
      const masked = tf.add(tf.mul(x, mask), tf.mul(tf.sub(mask, 1), 1e9));
      return tf.mul(tf.max(masked, 1), tf.minimum(count, 1));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}
tf.serialization.registerClass(MaskedPooling);
