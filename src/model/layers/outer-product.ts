/**
 * OuterProduct (Tensor Fusion, Zadeh et al. 2017): for inputs h_1..h_M (sizes d_1..d_M) the flattened outer
 * product [1; h_1] ⊗ [1; h_2] ⊗ ... ⊗ [1; h_M], of size Π(d_m + 1). The constant 1 keeps every unimodal and
 * every lower-order interaction term inside the product. No weights.
 */
import * as tf from '../../tf.js';
import { lastDim, many, shapes, type Kwargs, type Shape } from './util.js';

export class OuterProduct extends tf.layers.Layer {
  static className = 'MmxOuterProduct';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const all = shapes(inputShape);
    return [all[0]?.[0] ?? null, all.reduce((n, s) => n * (lastDim(s, this.name) + 1), 1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const xs = many(inputs);
      const batch = xs[0]!.shape[0]!;
      const ones = tf.ones([batch, 1]);
      let t: tf.Tensor = tf.concat([ones, xs[0]!], 1);
      for (const x of xs.slice(1)) {
        const z = tf.concat([ones, x], 1);
        const a = t.shape[1]!;
        const b = z.shape[1]!;
        t = tf.reshape(tf.mul(tf.reshape(t, [batch, a, 1]), tf.reshape(z, [batch, 1, b])), [batch, a * b]);
      }
      return t;
    });
  }
}
tf.serialization.registerClass(OuterProduct);
