/**
 * ModalityTypeEmbedding: adds a learned vector per token position — each position is one modality, so this is
 * the modality-type embedding of a multimodal transformer — to tokens [batch, M, d], and optionally prepends a
 * learned [CLS] token, giving [batch, M + 1, d]. Weights: M·d (type embeddings) + d with `cls`. Initialised from
 * N(0, 0.02²), as BERT does.
 */
import * as tf from '../../tf.js';
import { one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface ModalityTypeEmbeddingArgs extends NonNullable<BaseLayerArgs> {
  cls?: boolean;
  seed?: number;
}

export class ModalityTypeEmbedding extends tf.layers.Layer {
  static className = 'MmxModalityTypeEmbedding';
  readonly cls: boolean;
  readonly seed: number;
  private types: tf.LayerVariable | undefined;
  private clsToken: tf.LayerVariable | undefined;

  constructor(args: ModalityTypeEmbeddingArgs = {}) {
    super(args);
    this.cls = args.cls ?? false;
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, tokens, d] = inputShape as Shape;
    if (typeof tokens !== 'number' || typeof d !== 'number') throw new Error(`${this.name}: expects [batch, tokens, dim]`);
    this.types = this.addWeight(
      'type_embedding',
      [tokens, d],
      'float32',
      tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }),
    );
    if (this.cls)
      this.clsToken = this.addWeight(
        'cls_token',
        [1, d],
        'float32',
        tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed + 1 }),
      );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, t, d] = inputShape as Shape;
    return [b ?? null, typeof t === 'number' && this.cls ? t + 1 : (t ?? null), d ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = tf.add(one(inputs), this.types!.read());
      if (!this.clsToken) return x;
      const [batch, , d] = x.shape as [number, number, number];
      const cls = tf.tile(tf.reshape(this.clsToken.read(), [1, 1, d]), [batch, 1, 1]);
      return tf.concat([cls, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cls: this.cls, seed: this.seed };
  }
}
tf.serialization.registerClass(ModalityTypeEmbedding);
