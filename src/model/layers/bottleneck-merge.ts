/**
 * BottleneckMerge (attention bottleneck fusion, Nagrani et al. 2021): after one fusion layer each of the M
 * modalities has its own update ẑ_m [batch, B, d] of the B shared bottleneck tokens; the next layer's bottleneck is
 * their average over the modalities present in each example:
 *   z' = Σ_m p_m ẑ_m / Σ_m p_m,  p_m = 1 if modality m has a real token in the example (its token mask), else 0;
 *   z' = z (the previous bottleneck) for an example without any modality.
 * Inputs [z, ẑ_1, ..., ẑ_M, mask_1, ..., mask_M] (masks [batch, T_m], non-zero at real tokens). An absent
 * modality's update has no influence (value or gradient). No weights.
 */
import * as tf from '../../tf.js';
import { many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export class BottleneckMerge extends tf.layers.Layer {
  static className = 'MmxBottleneckMerge';

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapes(inputShape)[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [z, ...rest] = many(inputs);
      const m = rest.length / 2;
      const updates = rest.slice(0, m);
      // p_m: [b, 1, 1]
      const present = rest.slice(m).map((mask) => tf.reshape(tf.max(tf.cast(tf.notEqual(mask, 0), 'float32'), 1), [-1, 1, 1]));
      const total = tf.addN(present);
      const sum = tf.addN(updates.map((u, i) => tf.mul(u, present[i]!)));
      const none = tf.cast(tf.equal(total, 0), 'float32');
      return tf.div(tf.add(sum, tf.mul(z!, none)), tf.maximum(total, 1));
    });
  }
}
tf.serialization.registerClass(BottleneckMerge);
