/**
 * MultiHeadAttention (Vaswani et al. 2017): mmx's one attention layer, for self-attention (encoders' and fusions'
 * transformer blocks) and cross-attention (MulT-style cross-modal blocks, attention bottlenecks).
 *
 * Inputs, told apart by rank: the query sequence X [batch, Tq, d] first; then optionally the key/value sequence
 * S [batch, Tk, e] (cross-attention; default S = X); then optionally a key mask [batch, Tk], non-zero at real keys
 * (a 0/1 mask, or a text's token ids: PAD is 0).
 *   Q = X W_q + b_q, K = S W_k + b_k, V = S W_v + b_v, split into `heads` heads of size d/heads;
 *   A = softmax(Q Kᵀ / √(d/heads) − 10⁹·(1 − m)) ⊙ m per head (m: the key mask, broadcast over queries);
 *   output concat_heads(A V) W_o + b_o, shape [batch, Tq, d].
 * A masked key gets weight exactly 0, so its value has no influence on the output, in value or gradient; a query
 * whose keys are all masked attends to nothing (A V = 0, output b_o) instead of averaging the padding.
 * Weights: W_q, W_o d×d; W_k, W_v e×d; four biases of d: 2d² + 2ed + 4d (4(d² + d) for self-attention).
 * No residual or normalisation here (see transformer-block.ts).
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, lastDim, many, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface MultiHeadAttentionArgs extends NonNullable<BaseLayerArgs> {
  heads: number;
  seed?: number;
}

export type AttentionPart = 'q' | 'k' | 'v' | 'o';
type Projection = { kernel: tf.LayerVariable; bias: tf.LayerVariable };

const PART_NAMES: Record<AttentionPart, string> = { q: 'query', k: 'key', v: 'value', o: 'output' };

/** The query, the key/value sequence (the query itself for self-attention) and the key mask, from a layer's inputs. */
function split<T>(xs: T[], rank: (x: T) => number): { query: T; source?: T; mask?: T } {
  const [query, ...rest] = xs;
  if (!query) throw new Error('MultiHeadAttention: no input');
  const source = rest.find((x) => rank(x) === 3);
  const mask = rest.find((x) => rank(x) === 2);
  return { query, ...(source ? { source } : {}), ...(mask ? { mask } : {}) };
}

export class MultiHeadAttention extends tf.layers.Layer {
  static className = 'MmxMultiHeadAttention';
  readonly heads: number;
  readonly seed: number;
  private w: Record<AttentionPart, Projection> | undefined;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.seed = args.seed ?? 1;
  }

  /** The saved name of a weight (kept by subclasses that load models saved under older names). */
  protected weightName(part: AttentionPart, kind: 'kernel' | 'bias'): string {
    return `${PART_NAMES[part]}_${kind}`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const { query, source } = split(shapes(inputShape), (s) => s.length);
    const d = lastDim(query, this.name);
    const e = source ? lastDim(source, this.name) : d;
    if (d % this.heads !== 0) throw new Error(`${this.name}: size ${d} is not divisible by ${this.heads} heads`);
    const make = (p: AttentionPart, i: number, rows: number): Projection => ({
      kernel: this.addWeight(this.weightName(p, 'kernel'), [rows, d], 'float32', tf.initializers.glorotUniform({ seed: this.seed + i })),
      bias: this.addWeight(this.weightName(p, 'bias'), [d], 'float32', tf.initializers.zeros()),
    });
    this.w = { q: make('q', 0, d), k: make('k', 1, e), v: make('v', 2, e), o: make('o', 3, d) };
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return split(shapes(inputShape), (s) => s.length).query;
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const { query, source = query, mask } = split(many(inputs), (x) => x.rank);
      const [batch, tq, d] = query.shape as [number, number, number];
      const tk = source.shape[1]!;
      const h = this.heads;
      const dh = d / h;
      const w = this.w!;
      // [b·t, features] · W + b → [b, h, t, dh]
      const project = (x: tf.Tensor, p: AttentionPart, steps: number): tf.Tensor4D => {
        const flat = tf.reshape(x, [batch * steps, x.shape[2]!]) as tf.Tensor2D;
        const y = tf.add(tf.matMul(flat, w[p].kernel.read() as tf.Tensor2D), w[p].bias.read());
        return tf.transpose(tf.reshape(y, [batch, steps, h, dh]), [0, 2, 1, 3]);
      };
      const q = project(query, 'q', tq);
      const k = project(source, 'k', tk);
      const v = project(source, 'v', tk);
      let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)); // [b, h, tq, tk]
      let weights: tf.Tensor;
      if (mask) {
        const real = tf.reshape(tf.cast(tf.notEqual(mask, 0), 'float32'), [batch, 1, 1, tk]);
        scores = tf.add(scores, tf.mul(tf.sub(real, 1), 1e9));
        weights = tf.mul(tf.softmax(scores), real);
      } else {
        weights = tf.softmax(scores);
      }
      const attended = tf.matMul(weights as tf.Tensor4D, v); // [b, h, tq, dh]
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * tq, d]) as tf.Tensor2D;
      const out = tf.add(tf.matMul(merged, w.o.kernel.read() as tf.Tensor2D), w.o.bias.read());
      return tf.reshape(out, [batch, tq, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, seed: this.seed };
  }
}
tf.serialization.registerClass(MultiHeadAttention);
