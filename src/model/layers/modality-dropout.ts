/**
 * ModalityDropout: the gate every modality's embedding passes through before fusion.
 *
 * - Training: with probability `rate`, independently per example, the whole embedding is replaced by its
 *   "missing" value; otherwise it passes unchanged. Kept embeddings are NOT rescaled by 1/(1-rate) (unlike unit
 *   dropout): the point is to teach the fusion what an absent modality looks like, and at inference a present
 *   modality must look like a kept one during training.
 * - Inference: always the identity — unless the modality is masked with `setMasked(true)` (the ablation switch),
 *   which replaces the embedding by its missing value for every example, in training and inference alike.
 * - Missing value: zeros (`missing: 'zero'`, no weights), or a learned vector of the embedding's size
 *   (`missing: 'learned'`, initialised to zeros; it only learns from examples where the modality was dropped).
 *
 * Modalities are dropped independently, so with M modalities all of them are dropped together with probability
 * rate^M; the model then sees only missing values, which is a legitimate (if uninformative) example.
 * The mask switch is runtime state: it is not part of getConfig() and a loaded model starts unmasked.
 * Fusions over tokens do not use this gate: their modalities pass a ModalityTokenGate, which masks tokens instead
 * (modality-token-gate.ts). The learned missing value is what the attention and transformer fusions used before;
 * models saved with it still load and mask with it.
 */
import * as tf from '../../tf.js';
import { isTraining, lastDim, one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface ModalityDropoutArgs extends NonNullable<BaseLayerArgs> {
  /** probability of dropping the embedding of one example during training, in [0, 1) */
  rate: number;
  /** seed of the drop decisions; each call uses seed + call count, so runs repeat and batches differ */
  seed?: number;
  missing?: 'zero' | 'learned';
}

/** Per example, 1 (kept) with probability 1 − rate, else 0 (dropped): [batch, 1] float32, from `seed`. */
export function keepDecisions(batch: number, rate: number, seed: number): tf.Tensor {
  return tf.cast(tf.greaterEqual(tf.randomUniform([batch, 1], 0, 1, 'float32', seed), rate), 'float32');
}

export class ModalityDropout extends tf.layers.Layer {
  static className = 'MmxModalityDropout';
  readonly rate: number;
  readonly seed: number;
  readonly missing: 'zero' | 'learned';
  private masked = false;
  /** calls in training so far: with the seed, the layer's random state (a checkpoint keeps it) */
  calls = 0;
  private token: tf.LayerVariable | undefined;

  constructor(args: ModalityDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`ModalityDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 1;
    this.missing = args.missing ?? 'zero';
  }

  override build(inputShape: Shape | Shape[]): void {
    if (this.missing === 'learned') {
      const dim = lastDim(inputShape as Shape, this.name);
      this.token = this.addWeight('missing_token', [dim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** Force this modality to its missing value (on) or let it through (off). */
  setMasked(on: boolean): void {
    this.masked = on;
  }

  get isMasked(): boolean {
    return this.masked;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const missing = this.token ? this.token.read().reshape([1, -1]) : undefined;
      if (this.masked) return missing ? tf.mul(tf.onesLike(x), missing) : tf.zerosLike(x);
      if (!isTraining(kwargs) || this.rate <= 0) return x;
      const keep = keepDecisions(x.shape[0] ?? 1, this.rate, this.seed + this.calls++);
      const kept = tf.mul(x, keep);
      return missing ? tf.add(kept, tf.mul(tf.sub(1, keep), missing)) : kept;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, missing: this.missing };
  }
}
tf.serialization.registerClass(ModalityDropout);
