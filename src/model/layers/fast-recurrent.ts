/**
 * The layer side of mmx's fast recurrent layers (FastLSTM, FastGRU): weights named and shaped as tfjs's own
 * (`kernel` [D, G·H], `recurrent_kernel` [H, G·H], `bias` [G·H] for G gate blocks), masking and goBackwards
 * handled as tfjs's RNN does (PAD steps keep the previous state; backwards = the steps and mask reversed, a
 * returned sequence in processing order), the config serialisable (initializers included, because
 * tf.layers.bidirectional clones its layer through getConfig). The maths is the subclass's custom-gradient op.
 */
import * as tf from '../../tf.js';
import { one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

/** tfjs's hard sigmoid, clip(0.2·z + 0.5, 0, 1), in float32 steps. */
export const hardSigmoid = (z: number): number => {
  const y = Math.fround(0.5 + Math.fround(0.2 * z));
  return y < 0 ? 0 : y > 1 ? 1 : y;
};
/** d hardSigmoid / dz, as tfjs's gradients give it (clipByValue passes the gradient for min ≤ y ≤ max). */
export const hardSigmoidGrad = (z: number): number => {
  const y = Math.fround(0.5 + Math.fround(0.2 * z));
  return y >= 0 && y <= 1 ? 0.2 : 0;
};

/**
 * Per-step rows kept in time order (row t·B + b of `states`, from step `first` on) copied into batch order
 * (row b·T + t, as x reshaped to [B·T, ·]): a returned sequence (first = 1: the states after each step) or the
 * left factor of a recurrent-kernel gradient (first = 0: the state each step started from).
 */
export function batchMajorRows(states: Float32Array, B: number, T: number, H: number, first: 0 | 1): Float32Array {
  const out = new Float32Array(B * T * H);
  for (let t = 0; t < T; t++) {
    for (let bi = 0; bi < B; bi++) out.set(states.subarray(((t + first) * B + bi) * H, ((t + first) * B + bi + 1) * H), (bi * T + t) * H);
  }
  return out;
}

/** The op's output from its last state `h` [B, H] and all states: h itself, or the sequence [B, T, H] (h disposed). */
export function recurrentOutput(h: tf.Tensor, states: Float32Array, B: number, T: number, H: number, returnSequences: boolean): tf.Tensor {
  if (!returnSequences) return h;
  h.dispose();
  return tf.tensor3d(batchMajorRows(states, B, T, H, 1), [B, T, H]);
}

export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

export interface FastRecurrentArgs extends NonNullable<BaseLayerArgs> {
  units: number;
  returnSequences?: boolean;
  /** Process the steps last to first (as tfjs: a returned sequence is in processing order). tf.layers.bidirectional sets it. */
  goBackwards?: boolean;
  /** An initializer, or its serialised form ({className, config}) from a saved config. */
  kernelInitializer?: Initializer | SerializedInitializer;
  recurrentInitializer?: Initializer | SerializedInitializer;
}

export interface SerializedInitializer {
  className: string;
  config: tf.serialization.ConfigDict;
}

export function serializeInitializer(init: Initializer): SerializedInitializer {
  return { className: init.getClassName(), config: init.getConfig() };
}

/** An initializer from its serialised form, through tfjs's registry of serialisable classes. */
export function toInitializer(value: Initializer | SerializedInitializer | undefined, fallback: () => Initializer): Initializer {
  if (value === undefined) return fallback();
  if (value instanceof tf.serialization.Serializable) return value as Initializer;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value.className];
  if (entry === undefined) throw new Error(`unknown initializer class '${value.className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, value.config) as unknown as Initializer;
}

/** The op of a layer: (x [B,T,D], W, U, b, mask [B,T] of 0/1) → the last state [B,H] or the states [B,T,H]. */
export type RecurrentOp = (x: tf.Tensor, w: tf.Tensor, u: tf.Tensor, b: tf.Tensor, mask: tf.Tensor) => tf.Tensor;

export interface RecurrentKind {
  /** For messages. */
  what: string;
  /** Gate blocks G in the weights. */
  gates: number;
  makeOp: (units: number, returnSequences: boolean) => RecurrentOp;
  defaultKernelInitializer: () => Initializer;
}

export abstract class FastRecurrent extends tf.layers.Layer {
  readonly units: number;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  /** Read by tf.layers.bidirectional: this layer never returns its states. */
  readonly returnState = false;
  private readonly kernelInitializer: Initializer;
  private readonly recurrentInitializer: Initializer;
  private kernel?: tf.LayerVariable;
  private recurrentKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private readonly op: RecurrentOp;
  private readonly kind: RecurrentKind;

  protected constructor(args: FastRecurrentArgs, kind: RecurrentKind) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1)
      throw new Error(`${kind.what}: units must be a positive integer, got ${args.units}`);
    this.kind = kind;
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
    this.kernelInitializer = toInitializer(args.kernelInitializer, kind.defaultKernelInitializer);
    this.recurrentInitializer = toInitializer(args.recurrentInitializer, () => tf.initializers.orthogonal({}));
    this.supportsMasking = true;
    this.op = kind.makeOp(this.units, this.returnSequences);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const d = shape[shape.length - 1];
    if (shape.length !== 3 || typeof d !== 'number')
      throw new Error(`${this.kind.what}: expected input [batch, steps, features], got [${shape.join(', ')}]`);
    const g = this.kind.gates * this.units;
    this.kernel = this.addWeight('kernel', [d, g], 'float32', this.kernelInitializer);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, g], 'float32', this.recurrentInitializer);
    this.bias = this.addWeight('bias', [g], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return this.returnSequences ? [shape[0]!, shape[1]!, this.units] : [shape[0]!, this.units];
  }

  override computeMask(_inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    // tfjs-layers' own RNN returns null for "no mask" too; its signature does not say so
    if (!this.returnSequences) return null as unknown as tf.Tensor;
    return ((Array.isArray(mask) ? mask[0] : mask) ?? null) as unknown as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      if (x.rank !== 3) throw new Error(`${this.kind.what}: expected input [batch, steps, features], got [${x.shape.join(', ')}]`);
      const [batch, steps] = x.shape as [number, number];
      const maskIn = kwargs['mask'] as tf.Tensor | tf.Tensor[] | undefined;
      const maskT = Array.isArray(maskIn) ? maskIn[0] : maskIn;
      let mask = maskT == null ? tf.ones([batch, steps]) : tf.reshape(tf.cast(tf.cast(maskT, 'bool'), 'float32'), [batch, steps]);
      let input = x;
      if (this.goBackwards) {
        input = tf.reverse(x, 1);
        mask = tf.reverse(mask, 1);
      }
      return this.op(input, this.kernel!.read(), this.recurrentKernel!.read(), this.bias!.read(), mask);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      goBackwards: this.goBackwards,
      kernelInitializer: serializeInitializer(this.kernelInitializer) as unknown as tf.serialization.ConfigDictValue,
      recurrentInitializer: serializeInitializer(this.recurrentInitializer) as unknown as tf.serialization.ConfigDictValue,
    };
  }
}
