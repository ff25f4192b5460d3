/**
 * PositionEmbedding: adds a learned vector per position to a sequence [batch, steps, dim] (the positions of a
 * text's tokens, an image's patches, an audio clip's frames, flattened to one axis). Weights: steps·dim, from
 * N(0, 0.02²) as BERT and ViT initialise them. The class name is the one saved models have held since the text
 * transformer encoder introduced it.
 */
import * as tf from '../../tf.js';
import { NO_KERAS_MASK, one, shapes, type BaseLayerArgs, type Kwargs, type Shape } from './util.js';

export interface PositionEmbeddingArgs extends NonNullable<BaseLayerArgs> {
  seed?: number;
}

export class PositionEmbedding extends tf.layers.Layer {
  static className = 'MmxTextPositionEmbedding';
  readonly seed: number;
  private positions: tf.LayerVariable | undefined;

  constructor(args: PositionEmbeddingArgs = {}) {
    super(args);
    this.seed = args.seed ?? 1;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [, steps, dim] = shapes(inputShape)[0]!;
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
    return shapes(inputShape)[0]!;
  }

  /** the token mask travels as an explicit input: a Keras mask (a masked RNN's sequence) ends here */
  override computeMask(_inputs: tf.Tensor | tf.Tensor[], _mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return NO_KERAS_MASK;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(one(inputs), this.positions!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(PositionEmbedding);
