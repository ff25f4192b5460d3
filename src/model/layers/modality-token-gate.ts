/**
 * ModalityTokenGate: the gate of a modality that enters a fusion as tokens (the attention, transformer,
 * cross_attention and bottleneck fusions). Where ModalityDropout replaces an embedding by a missing value, this
 * gate masks the modality's tokens: its output is the modality's token mask [batch, steps], 1 at a real token
 * and 0 at padding or when the modality is absent, and the fusion's attention and pooling skip masked tokens, so
 * an absent modality has no influence on the prediction at all (in value or gradient).
 *
 * Inputs: the token sequence [batch, steps, dim] (every token real), or [sequence, mask] with the encoder's mask
 * (non-zero at real tokens; a text's token ids work). The sequence passes to the fusion unchanged; only the mask
 * comes out of this layer.
 * - Training: with probability `rate`, independently per example, every token of the modality is masked.
 * - Inference: the encoder's mask, unless the modality is masked with `setMasked(true)` (the ablation switch): then
 *   every token is masked for every example.
 * The mask switch is runtime state, not part of getConfig(). No weights.
 */
import * as tf from '../../tf.js';
import { keepDecisions } from './modality-dropout.js';
import { NO_KERAS_MASK, isTraining, many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface ModalityTokenGateArgs extends NonNullable<BaseLayerArgs> {
  /** probability of masking all of one example's tokens during training, in [0, 1) */
  rate: number;
  /** seed of the drop decisions; each call uses seed + call count */
  seed?: number;
}

export class ModalityTokenGate extends tf.layers.Layer {
  static className = 'MmxModalityTokenGate';
  readonly rate: number;
  readonly seed: number;
  private masked = false;
  private calls = 0;

  constructor(args: ModalityTokenGateArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`ModalityTokenGate: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, t] = shapes(inputShape)[0]!;
    return [b ?? null, t ?? null];
  }

  /** Mask every token of this modality (on) or let the encoder's mask through (off). */
  setMasked(on: boolean): void {
    this.masked = on;
  }

  get isMasked(): boolean {
    return this.masked;
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = many(inputs);
      const [batch, steps] = x!.shape as [number, number];
      if (this.masked) return tf.zeros([batch, steps]);
      const real = mask ? tf.cast(tf.notEqual(mask, 0), 'float32') : tf.ones([batch, steps]);
      if (!isTraining(kwargs) || this.rate <= 0) return real;
      return tf.mul(real, keepDecisions(batch, this.rate, this.seed + this.calls++));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(ModalityTokenGate);
