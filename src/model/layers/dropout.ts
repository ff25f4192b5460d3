/**
 * MmxDropout: unit dropout (as tf.layers.dropout: zero each element with probability `rate` in training, scale the
 * rest by 1/(1−rate); the identity at inference) on mmx's one-kernel dropout (src/ops/dropout.ts). Each call uses
 * the layer's seed and its call count, so runs repeat and every batch gets a new mask — tfjs's own layer, given a
 * seed, draws the same mask on every batch.
 */
import * as tf from '../../tf.js';
import { dropout } from '../../ops/dropout.js';
import { isTraining, one, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface MmxDropoutArgs extends NonNullable<BaseLayerArgs> {
  /** probability of zeroing an element during training, in [0, 1) */
  rate: number;
  /** seed of the masks; data-parallel workers shift it (src/train/parallel/worker.ts) */
  seed?: number;
}

export class MmxDropout extends tf.layers.Layer {
  static className = 'MmxDropout';
  readonly rate: number;
  seed: number;
  /** calls in training so far: with the seed, the layer's random state (a checkpoint keeps it) */
  calls = 0;

  constructor(args: MmxDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`MmxDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 1;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = one(inputs);
    if (!isTraining(kwargs) || this.rate <= 0) return x;
    return dropout(x, this.rate, this.seed, this.calls++);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(MmxDropout);
