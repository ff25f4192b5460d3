/**
 * ModalityTypeEmbedding: the modality-type embedding of a multimodal transformer. Adds a learned vector per
 * modality to every token of that modality, in tokens [batch, T, d] that hold the modalities' token sequences one
 * after the other, and optionally prepends a learned [CLS] token, giving [batch, T + 1, d].
 * - `segments` [T_1, ..., T_M] (Σ T_m = T): modality m owns the next T_m tokens. Weights M·d.
 * - without `segments` (the layer as first written, one token per modality): every token is its own modality.
 *   Weights T·d.
 * With `cls`, d more. Initialised from N(0, 0.02²), as BERT does.
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface ModalityTypeEmbeddingArgs extends NonNullable<BaseLayerArgs> {
  cls?: boolean;
  seed?: number;
  /** tokens of each modality, in order (default: one each) */
  segments?: number[];
}

export class ModalityTypeEmbedding extends tf.layers.Layer {
  static className = 'MmxModalityTypeEmbedding';
  readonly cls: boolean;
  readonly seed: number;
  readonly segments: number[] | undefined;
  private types: tf.LayerVariable | undefined;
  private clsToken: tf.LayerVariable | undefined;
  /** token → modality one-hot rows [T, M] (with segments), row-major */
  private assignment: number[] | undefined;

  constructor(args: ModalityTypeEmbeddingArgs = {}) {
    super(args);
    this.cls = args.cls ?? false;
    this.seed = args.seed ?? 1;
    this.segments = args.segments ? [...args.segments] : undefined;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, tokens, d] = shapes(inputShape)[0]!;
    if (typeof tokens !== 'number' || typeof d !== 'number') throw new Error(`${this.name}: expects [batch, tokens, dim]`);
    const seg = this.segments;
    if (seg && seg.reduce((a, b) => a + b, 0) !== tokens)
      throw new Error(`${this.name}: segments [${seg.join(', ')}] do not add up to the ${tokens} tokens`);
    this.types = this.addWeight(
      'type_embedding',
      [seg ? seg.length : tokens, d],
      'float32',
      tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }),
    );
    if (seg) {
      this.assignment = seg.flatMap((n, m) => Array.from({ length: n }, () => seg.map((_, j) => (j === m ? 1 : 0)))).flat();
    }
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
    const [b, t, d] = shapes(inputShape)[0]!;
    return [b ?? null, typeof t === 'number' && this.cls ? t + 1 : (t ?? null), d ?? null];
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const types = this.types!.read() as tf.Tensor2D;
      const seg = this.segments;
      // with segments: each token's row of the assignment picks its modality's vector
      const perToken =
        seg && this.assignment ? tf.matMul(tf.tensor2d(this.assignment, [this.assignment.length / seg.length, seg.length]), types) : types;
      const x = tf.add(one(inputs), perToken);
      if (!this.clsToken) return x;
      const [batch, , d] = x.shape as [number, number, number];
      const cls = tf.add(tf.zeros([batch, 1, d]), tf.reshape(this.clsToken.read(), [1, 1, d]));
      return tf.concat([cls, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cls: this.cls, seed: this.seed, ...(this.segments ? { segments: this.segments } : {}) };
  }
}
tf.serialization.registerClass(ModalityTypeEmbedding);
