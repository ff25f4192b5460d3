/**
 * MultiHeadSelfAttention (Vaswani et al. 2017) over a token sequence [batch, T, d]:
 *   Q = X W_q + b_q, K = X W_k + b_k, V = X W_v + b_v, split into `heads` heads of size d/heads,
 *   A = softmax(Q Kᵀ / √(d/heads)) V per head, heads concatenated, output A W_o + b_o ([batch, T, d]).
 * Weights: four d×d kernels and four d biases, 4(d² + d) parameters. No residual or normalisation here; the
 * fusions add those around it.
 */
import * as tf from '../../tf.js';
import { lastDim, one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface MultiHeadSelfAttentionArgs extends NonNullable<BaseLayerArgs> {
  heads: number;
  seed?: number;
}

export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MmxMultiHeadSelfAttention';
  readonly heads: number;
  readonly seed: number;
  private w: Record<'q' | 'k' | 'v' | 'o', { kernel: tf.LayerVariable; bias: tf.LayerVariable }> | undefined;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = lastDim(inputShape as Shape, this.name);
    if (d % this.heads !== 0) throw new Error(`${this.name}: size ${d} is not divisible by ${this.heads} heads`);
    const make = (p: string, i: number) => ({
      kernel: this.addWeight(`${p}_kernel`, [d, d], 'float32', tf.initializers.glorotUniform({ seed: this.seed + i })),
      bias: this.addWeight(`${p}_bias`, [d], 'float32', tf.initializers.zeros()),
    });
    this.w = { q: make('query', 0), k: make('key', 1), v: make('value', 2), o: make('output', 3) };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const [batch, tokens, d] = x.shape as [number, number, number];
      const h = this.heads;
      const dh = d / h;
      const flat = tf.reshape(x, [batch * tokens, d]);
      const w = this.w!;
      const proj = (p: 'q' | 'k' | 'v'): tf.Tensor =>
        tf.transpose(
          tf.reshape(tf.add(tf.matMul(flat, w[p].kernel.read() as tf.Tensor2D), w[p].bias.read()), [batch, tokens, h, dh]),
          [0, 2, 1, 3],
        );
      const q = proj('q');
      const k = proj('k');
      const v = proj('v');
      const scores = tf.div(tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true), Math.sqrt(dh));
      const att = tf.matMul(tf.softmax(scores) as tf.Tensor4D, v as tf.Tensor4D);
      const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [batch * tokens, d]);
      const out = tf.add(tf.matMul(merged as tf.Tensor2D, w.o.kernel.read() as tf.Tensor2D), w.o.bias.read());
      return tf.reshape(out, [batch, tokens, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, seed: this.seed };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);
