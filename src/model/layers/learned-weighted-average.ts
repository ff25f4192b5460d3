/**
 * LearnedWeightedAverage (late fusion with learned weights): inputs x_1..x_M of one shape, output
 * Σ_m softmax(w)_m · x_m with one learned logit per input (initialised to 0: the plain average). On
 * class-probability inputs the result is again a probability distribution. Weights: M.
 */
import * as tf from '../../tf.js';
import { many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export class LearnedWeightedAverage extends tf.layers.Layer {
  static className = 'MmxLearnedWeightedAverage';
  private logits: tf.LayerVariable | undefined;

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.logits = this.addWeight('logits', [shapes(inputShape).length], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapes(inputShape)[0]!;
  }

  /** The current weights softmax(w), one per input. */
  weightsNow(): number[] {
    return Array.from(tf.tidy(() => tf.softmax(this.logits!.read())).dataSync());
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const xs = many(inputs);
      const w = tf.softmax(this.logits!.read());
      const stacked = tf.stack(xs, 0);
      const shape = [xs.length, ...xs[0]!.shape.map(() => 1)];
      return tf.sum(tf.mul(stacked, tf.reshape(w, shape)), 0);
    });
  }
}
tf.serialization.registerClass(LearnedWeightedAverage);
