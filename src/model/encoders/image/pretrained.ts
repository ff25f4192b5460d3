/**
 * Image encoder `pretrained`: a tfjs LayersModel from disk (`model.json` + weights), cut at a feature layer,
 * frozen unless `trainable`, applied to the image; a 4-D feature map is pooled, and an optional projection
 * follows. The model must take images of the input's height × width × channels, scaled to [0, 1].
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Default, Enum, Variant } from '../../../config/schema-kit.js';
import { ActivationOption, dropoutOption, outputOption } from '../common.js';
import { dropout, dense, mapToSequence } from '../dense-head.js';
import { EncoderBuildError, defineEncoder } from '../registry.js';

const schema = Variant(
  'pretrained',
  {
    path: Type.String({ minLength: 1, description: 'the model.json of a tfjs LayersModel (relative to the config file)' }),
    layer: Type.Optional(
      Type.String({
        minLength: 1,
        description: "name of the layer whose output is the feature; default: the last layer's input (the penultimate layer)",
      }),
    ),
    trainable: Default(Type.Boolean({ description: 'fine-tune the pretrained weights (false: frozen)' }), false),
    pooling: Default(
      Enum(['avg', 'max', 'flatten'], { description: 'how a feature map (height × width × channels) becomes a vector' }),
      'avg',
    ),
    output_dim: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65536, description: 'add a dense projection to this size (default: the features as they are)' }),
    ),
    activation: Default(ActivationOption, 'relu'),
    dropout: dropoutOption(0),
    output: outputOption('position of the feature map (the cut layer must keep positions: [height, width, channels] or [steps, features])'),
  },
  { title: 'image pretrained encoder', description: 'A tfjs LayersModel loaded from disk, cut at a feature layer, optionally frozen.' },
);

export const imagePretrained = defineEncoder<typeof schema>({
  modality: 'image',
  type: 'pretrained',
  schema,
  prepare: async ({ options, resolvePath, featureShape, log }) => {
    const { loadLayersModelFile } = await import('../load-model.js');
    const file = resolvePath(['path'], options.path);
    const model = await loadLayersModelFile(file);
    const want = model.inputs[0]?.shape.slice(1);
    if (
      model.inputs.length !== 1 ||
      !want ||
      want.some((d, i) => d !== null && d !== featureShape[i]) ||
      want.length !== featureShape.length
    ) {
      const { DataError } = await import('../../../data/errors.js');
      throw new DataError(
        `the model takes input [${(want ?? []).join(', ')}], the images are [${featureShape.join(', ')}]`,
        { file },
        'set the image preprocessing height / width / channels to what the model expects',
      );
    }
    log(
      `pretrained model ${model.name}: ${model.layers.length} layers, ${model.countParams().toLocaleString('en-US')} parameters (${options.trainable ? 'trainable' : 'frozen'})`,
    );
    return { pretrainedModel: model };
  },
  build: ({ input, options: o, ctx, meta }) => {
    const m = meta?.pretrainedModel;
    if (!m) throw new EncoderBuildError("image pretrained encoder: the model was not loaded (the encoder's prepare step did not run)");
    const names = m.layers.map((l) => l.name);
    const name = o.layer ?? names[names.length - 2] ?? names[names.length - 1]!;
    if (!names.includes(name))
      throw new EncoderBuildError(`image pretrained encoder: the model has no layer '${name}' (layers: ${names.join(', ')})`);
    const out = m.getLayer(name).output as tf.SymbolicTensor;
    const sub = tf.model({ inputs: m.inputs, outputs: out, name: ctx.name('pretrained') });
    sub.trainable = o.trainable;
    let x = sub.apply(input) as tf.SymbolicTensor;
    if (o.output === 'sequence') {
      if (x.shape.length !== 3 && x.shape.length !== 4)
        throw new EncoderBuildError(
          `image pretrained encoder: output: sequence needs a layer whose output keeps positions, but '${name}' gives [${x.shape.map((d) => d ?? 'batch').join(', ')}]; name an earlier layer (layer: ...) or use output: pooled`,
        );
      const steps = dropout(x.shape.length === 4 ? mapToSequence(x, 'positions', ctx) : x, o.dropout, ctx);
      return { sequence: o.output_dim !== undefined ? dense(steps, o.output_dim, o.activation, ctx, 'proj') : steps };
    }
    if (x.shape.length === 4) {
      const layer =
        o.pooling === 'avg'
          ? tf.layers.globalAveragePooling2d({ name: ctx.name('gap') })
          : o.pooling === 'max'
            ? tf.layers.globalMaxPooling2d({ name: ctx.name('gmp') })
            : tf.layers.flatten({ name: ctx.name('flatten') });
      x = layer.apply(x) as tf.SymbolicTensor;
    } else if (x.shape.length !== 2) {
      x = tf.layers.flatten({ name: ctx.name('flatten') }).apply(x) as tf.SymbolicTensor;
    }
    x = dropout(x, o.dropout, ctx);
    return o.output_dim !== undefined ? dense(x, o.output_dim, o.activation, ctx, 'proj') : x;
  },
  // the model's size and feature width are in its files, read when the data is prepared
  estimate: () => undefined,
});
