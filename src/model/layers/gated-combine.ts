/**
 * GatedCombine (Gated Multimodal Unit, Arevalo et al. 2017): inputs [g, h_1, ..., h_M], where h_m = tanh(W_m x_m)
 * are the modalities' candidate features (each [batch, d]) and g the gate pre-activations computed from all the
 * raw embeddings together. Output [batch, d]:
 *   sigmoid, M = 2:  z = σ(g) ([batch, d]);         h = z ⊙ h_1 + (1 − z) ⊙ h_2   (the paper's bimodal GMU)
 *   sigmoid, M ≠ 2:  z_m = σ(g_m) (g: [batch, M·d]); h = Σ_m z_m ⊙ h_m             (the paper's n-ary GMU)
 *   softmax:         z = softmax over m of g_m (g: [batch, M·d]); h = Σ_m z_m ⊙ h_m (a convex combination per feature)
 * No weights (the gate's and candidates' dense layers are ordinary Dense layers).
 */
import * as tf from '../../tf.js';
import { many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export type GateMode = 'sigmoid' | 'softmax';

export interface GatedCombineArgs extends NonNullable<BaseLayerArgs> {
  gate: GateMode;
}

/** Width of the gate pre-activation g for M modalities fused to d features. */
export const gateUnits = (gate: GateMode, modalities: number, dim: number): number =>
  gate === 'sigmoid' && modalities === 2 ? dim : modalities * dim;

export class GatedCombine extends tf.layers.Layer {
  static className = 'MmxGatedCombine';
  readonly gate: GateMode;

  constructor(args: GatedCombineArgs) {
    super(args);
    this.gate = args.gate;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const all = shapes(inputShape);
    return all[1]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [g, ...hs] = many(inputs);
      const m = hs.length;
      if (this.gate === 'sigmoid' && m === 2) {
        const z = tf.sigmoid(g!);
        return tf.add(tf.mul(z, hs[0]!), tf.mul(tf.sub(1, z), hs[1]!));
      }
      const batch = g!.shape[0]!;
      const dim = hs[0]!.shape[1]!;
      const logits = tf.reshape(g!, [batch, m, dim]);
      const z = this.gate === 'sigmoid' ? tf.sigmoid(logits) : tf.softmax(tf.transpose(logits, [0, 2, 1])).transpose([0, 2, 1]);
      return tf.sum(tf.mul(z, tf.stack(hs, 1)), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gate: this.gate };
  }
}
tf.serialization.registerClass(GatedCombine);
