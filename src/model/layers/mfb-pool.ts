/**
 * MfbPool (Multi-modal Factorized Bilinear pooling, Yu et al. 2017): reads the element-wise product of the
 * modalities' factor projections, [batch, o·k] laid out as o groups of k, and returns
 *   z = SumPool_k(x)                  [batch, o]
 *   z = sign(z) · (√(|z| + ε) − √ε)   power normalisation (ε keeps the gradient finite at 0), computed as the equal
 *                                     z / (√(|z| + ε) + √ε): no sign op (tfjs-backend-wasm's Sign gives 0 for |z|
 *                                     below ~1e-7, so a model trained on wasm would predict differently elsewhere)
 *   z = z / ‖z‖₂                      L2 normalisation
 * No weights.
 */
import * as tf from '../../tf.js';
import { lastDim, one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface MfbPoolArgs extends NonNullable<BaseLayerArgs> {
  /** k: the number of factors summed into each output feature */
  factor: number;
}

const EPS = 1e-6;

export class MfbPool extends tf.layers.Layer {
  static className = 'MmxMfbPool';
  readonly factor: number;

  constructor(args: MfbPoolArgs) {
    super(args);
    this.factor = args.factor;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0] ?? null, lastDim(s, this.name) / this.factor];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const batch = x.shape[0]!;
      const o = x.shape[1]! / this.factor;
      const z = tf.sum(tf.reshape(x, [batch, o, this.factor]), 2);
      const p = tf.div(z, tf.add(tf.sqrt(tf.add(tf.abs(z), EPS)), Math.sqrt(EPS)));
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(p), 1, true), 1e-12));
      return tf.div(p, norm);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(MfbPool);
