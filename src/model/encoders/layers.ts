/**
 * Custom tfjs layers of the encoders (serialisable: getConfig + registerClass, so a saved model loads back with
 * tf.loadLayersModel once this module is imported).
 *
 * - MaskedPooling: mean or max over the steps of [x, tokenIds] where the id is not PAD (0).
 * - PositionEmbedding: adds a learned vector per position to [batch, steps, dim].
 * - MaskedSelfAttention: multi-head scaled dot-product self-attention with `heads` heads and a key padding mask from the
 *   token ids; tfjs has no MultiHeadAttention layer.
 * - LayerNorm: layer normalisation without tfjs's slow Tile gradient.
 * - OneHot: an index [batch, 1] → its one-hot vector [batch, depth].
 */
import * as tf from '../../tf.js';

/** Class names are global in tfjs's serialisation registry (the last registration wins): keep them distinct. */

type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];
type BaseArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The input tensors as a flat list (tfjs may hand a multi-input layer a nested list when a model is loaded). */
const list = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(inputs) ? (inputs.flat(4 as 1) as tf.Tensor[]) : [inputs]);
const isShape = (s: unknown): s is Shape => Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
/** The input shapes as a list of shapes, however tfjs nests them. */
function shapeList(s: Shape | Shape[]): Shape[] {
  if (isShape(s)) return [s];
  const out: Shape[] = [];
  const walk = (v: unknown): void => {
    if (isShape(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
  };
  walk(s);
  return out;
}

/** 1 where the token id is not PAD, else 0: [batch, steps] float32. */
function tokenMask(ids: tf.Tensor): tf.Tensor {
  return tf.cast(tf.notEqual(ids, 0), 'float32');
}

export class MaskedPooling extends tf.layers.Layer {
  static className = 'MmxMaskedPooling';
  readonly mode: 'mean' | 'max';

  constructor(args: BaseArgs & { mode?: 'mean' | 'max' } = {}) {
    super(args);
    this.mode = args.mode ?? 'mean';
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [x] = shapeList(inputShape);
    return [x![0] ?? null, x![2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, ids] = list(inputs) as [tf.Tensor3D, tf.Tensor2D];
      const mask = tf.expandDims(tokenMask(ids), 2); // [b, t, 1]
      const count = tf.sum(mask, 1); // [b, 1]
      if (this.mode === 'mean') return tf.div(tf.sum(tf.mul(x, mask), 1), tf.maximum(count, 1));
      // max over real tokens; an all-PAD example gives 0
      const masked = tf.add(x, tf.mul(tf.sub(mask, 1), 1e9));
      return tf.mul(tf.max(masked, 1), tf.minimum(count, 1));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}
tf.serialization.registerClass(MaskedPooling);

export class PositionEmbedding extends tf.layers.Layer {
  static className = 'MmxTextPositionEmbedding';
  readonly seed: number;
  private positions: tf.LayerVariable | undefined;

  constructor(args: BaseArgs & { seed?: number } = {}) {
    super(args);
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, steps, dim] = shapeList(inputShape)[0]!;
    if (typeof steps !== 'number' || typeof dim !== 'number')
      throw new Error(`${this.name}: needs a known [steps, dim], got [${String(steps)}, ${String(dim)}]`);
    this.positions = this.addWeight(
      'positions',
      [steps, dim],
      'float32',
      tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(list(inputs)[0]!, this.positions!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(PositionEmbedding);

export class MaskedSelfAttention extends tf.layers.Layer {
  static className = 'MmxMaskedSelfAttention';
  readonly heads: number;
  readonly seed: number;
  private w: Record<'q' | 'k' | 'v' | 'o', tf.LayerVariable> | undefined;
  private b: Record<'q' | 'k' | 'v' | 'o', tf.LayerVariable> | undefined;

  constructor(args: BaseArgs & { heads?: number; seed?: number } = {}) {
    super(args);
    this.heads = args.heads ?? 1;
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = shapeList(inputShape)[0]![2];
    if (typeof dim !== 'number') throw new Error(`${this.name}: the last dimension must be known`);
    if (dim % this.heads !== 0) throw new Error(`${this.name}: dimension ${dim} is not divisible by ${this.heads} heads`);
    const w = {} as Record<'q' | 'k' | 'v' | 'o', tf.LayerVariable>;
    const b = {} as Record<'q' | 'k' | 'v' | 'o', tf.LayerVariable>;
    (['q', 'k', 'v', 'o'] as const).forEach((p, i) => {
      w[p] = this.addWeight(`w${p}`, [dim, dim], 'float32', tf.initializers.glorotUniform({ seed: this.seed + i }));
      b[p] = this.addWeight(`b${p}`, [dim], 'float32', tf.initializers.zeros());
    });
    this.w = w;
    this.b = b;
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x, ids] = list(inputs) as [tf.Tensor3D, tf.Tensor2D];
      const [batch, steps, dim] = x.shape;
      const h = this.heads;
      const dk = dim / h;
      const flat = tf.reshape(x, [batch * steps, dim]);
      // [b·t, d] → [b, h, t, dk]
      const split = (p: 'q' | 'k' | 'v') =>
        tf.transpose(tf.reshape(tf.add(tf.matMul(flat, this.w![p].read()), this.b![p].read()), [batch, steps, h, dk]), [0, 2, 1, 3]);
      const q = split('q');
      const k = split('k');
      const v = split('v');
      let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)); // [b, h, t, t]
      // keys that are PAD get -1e9 before the softmax
      const keyMask = tf.reshape(tokenMask(ids), [batch, 1, 1, steps]);
      scores = tf.add(scores, tf.mul(tf.sub(keyMask, 1), 1e9));
      const attended = tf.matMul(tf.softmax(scores), v); // [b, h, t, dk]
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * steps, dim]);
      return tf.reshape(tf.add(tf.matMul(merged, this.w!.o.read()), this.b!.o.read()), [batch, steps, dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, seed: this.seed };
  }
}
tf.serialization.registerClass(MaskedSelfAttention);

/**
 * Layer normalisation over the last axis: (x − mean) / √(var + ε) · γ + β. Same maths as tf.layers.layerNormalization,
 * but γ and β broadcast instead of being tiled: tfjs's Tile gradient is a Slice + Add per repetition (1,536 of each
 * for a [32, 48, d] batch), which made a transformer step ~20× slower on wasm.
 */
export class LayerNorm extends tf.layers.Layer {
  static className = 'MmxLayerNorm';
  readonly epsilon: number;
  private gamma: tf.LayerVariable | undefined;
  private beta: tf.LayerVariable | undefined;

  constructor(args: BaseArgs & { epsilon?: number } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = shapeList(inputShape)[0]!;
    const dim = s[s.length - 1];
    if (typeof dim !== 'number') throw new Error(`${this.name}: the last dimension must be known`);
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapeList(inputShape)[0]!;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = list(inputs)[0]!;
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), axis, true);
      return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, this.epsilon))), this.gamma!.read()), this.beta!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);

export class OneHot extends tf.layers.Layer {
  static className = 'MmxOneHot';
  readonly depth: number;

  constructor(args: BaseArgs & { depth: number }) {
    super(args);
    this.depth = args.depth;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [shapeList(inputShape)[0]![0] ?? null, this.depth];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = list(inputs)[0]!;
      const ids = tf.cast(tf.reshape(x, [x.shape[0]!]), 'int32');
      // int32 then cast: tfjs-backend-wasm 4.22's OneHot with dtype float32 writes the int bit pattern (1 → 1.4e-45)
      return tf.cast(tf.oneHot(ids, this.depth), 'float32');
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depth: this.depth };
  }
}
tf.serialization.registerClass(OneHot);
