/**
 * What every text encoder shares: the token embedding (size, optional pretrained word vectors and whether they
 * train) and the `prepare` step that reads the vectors file for the training vocabulary.
 */
import { Type } from '@sinclair/typebox';
import * as tf from '../../../tf.js';
import { Closed, Default } from '../../../config/schema-kit.js';
import type { LayerContext } from '../../layers-context.js';
import { activationNames, outputOption, type OutputKind } from '../common.js';
import { EncoderBuildError, requireVocabSize, type EncoderPrepareInput, type InputMeta } from '../registry.js';
import { Enum } from '../../../config/schema-kit.js';
import type { Cost, SizeEstimate } from '../../size/cost.js';

export const DEFAULT_EMBEDDING_DIM = 64;

export const textEmbeddingOptions = {
  embedding_dim: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 4096,
      description: `size of the token embeddings; default ${DEFAULT_EMBEDDING_DIM}, or the pretrained vectors' size`,
    }),
  ),
  pretrained: Type.Optional(
    Closed(
      {
        path: Type.String({
          minLength: 1,
          description: 'GloVe or word2vec text file (relative to the config file); words it lacks start random',
        }),
        trainable: Default(Type.Boolean({ description: 'fine-tune the pretrained vectors (false: keep them fixed)' }), false),
      },
      { description: 'initialise the token embeddings from pretrained word vectors' },
    ),
  ),
  dropout: Default(Type.Number({ minimum: 0, maximum: 0.95, description: 'dropout rate before the output projection' }), 0),
  output_dim: Default(Type.Integer({ minimum: 1, maximum: 65536, description: 'size of the embedding this encoder outputs' }), 128),
  activation: Default(Enum(activationNames, { description: 'activation of the output projection' }), 'relu'),
  output: outputOption('token (PAD tokens masked)'),
};

/**
 * The end of a text encoder's estimate: the projection of its `width` features, pooled, or with `output: sequence`
 * of each of its `steps` tokens (every text encoder's steps are its tokens: max_length of them).
 */
export function textOutput(
  cost: Cost,
  width: number,
  o: { output: OutputKind; dropout: number; output_dim: number },
  steps: number,
): SizeEstimate {
  if (o.output !== 'sequence') return { outputDim: cost.project(width, o), parts: cost.parts };
  return { outputDim: cost.project(width, o, steps), steps, parts: cost.parts };
}

export interface TextEmbeddingOptions {
  embedding_dim?: number;
  pretrained?: { path: string; trainable: boolean };
}

/** Reads the pretrained vectors for the vocabulary (when `pretrained` is set). */
export async function prepareTextEmbedding(args: EncoderPrepareInput<TextEmbeddingOptions>): Promise<Partial<InputMeta>> {
  const p = args.options.pretrained;
  if (!p) return {};
  const vocabulary = args.meta.vocabulary;
  if (!vocabulary) throw new EncoderBuildError("pretrained word vectors need the input's vocabulary");
  const file = args.resolvePath(['pretrained', 'path'], p.path);
  const { loadWordVectors } = await import('../../../data/text/vectors.js');
  const { DataError } = await import('../../../data/errors.js');
  const v = await loadWordVectors(file, vocabulary, args.seed);
  const want = args.options.embedding_dim;
  if (want !== undefined && want !== v.dim) {
    throw new DataError(
      `the word vectors have ${v.dim} dimensions, embedding_dim is ${want}`,
      { file },
      "leave embedding_dim out to use the vectors' size",
    );
  }
  args.log(
    `pretrained vectors: ${v.found.toLocaleString('en-US')} of ${(vocabulary.length - 2).toLocaleString('en-US')} vocabulary words found (${v.dim}-d), the rest start random`,
  );
  return { embeddings: { dim: v.dim, values: v.values } };
}

/** The token ids → embeddings [batch, steps, dim] layer, pretrained when the meta carries vectors. */
export function embedTokens(
  input: tf.SymbolicTensor,
  o: TextEmbeddingOptions,
  meta: InputMeta | undefined,
  ctx: LayerContext,
  maskZero: boolean,
  what: string,
): tf.SymbolicTensor {
  const vocabSize = requireVocabSize(meta, what);
  const pre = o.pretrained ? meta?.embeddings : undefined;
  if (o.pretrained && !pre)
    throw new EncoderBuildError(`${what}: pretrained vectors were not loaded (the encoder's prepare step did not run)`);
  const dim = pre?.dim ?? o.embedding_dim ?? DEFAULT_EMBEDDING_DIM;
  if (pre && pre.values.length !== vocabSize * pre.dim)
    throw new EncoderBuildError(`${what}: pretrained matrix has ${pre.values.length} values, expected ${vocabSize} × ${pre.dim}`);
  const layer = tf.layers.embedding({
    inputDim: vocabSize,
    outputDim: dim,
    maskZero,
    name: ctx.name('embedding'),
    ...(pre
      ? { weights: [tf.tensor2d(pre.values, [vocabSize, dim])], trainable: o.pretrained!.trainable }
      : { embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: ctx.nextSeed() }) }),
  });
  return layer.apply(input) as tf.SymbolicTensor;
}

/**
 * The token embedding's share of an estimate (see src/model/size/): vocab × dim weights over `steps` tokens.
 * Returns the embedding size, or undefined when it is unknown before the data is prepared (pretrained vectors
 * without `embedding_dim`: their size is in the vectors file).
 */
export function textEmbeddingCost(cost: Cost, o: TextEmbeddingOptions, steps: number, vocabSize: number | undefined): number | undefined {
  if (vocabSize === undefined || (o.pretrained && o.embedding_dim === undefined)) return undefined;
  const dim = o.embedding_dim ?? DEFAULT_EMBEDDING_DIM;
  cost.embedding(['embedding_dim'], vocabSize, dim, steps);
  return dim;
}
