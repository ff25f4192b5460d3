/** The `text` modality: a text cell → tokens → ids from a vocabulary learned on the training split. */
import { Type } from '@sinclair/typebox';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { tokenize } from '../text/tokenize.js';
import { buildVocabulary, encodeTokens, RESERVED_TOKENS, vocabularyIndex } from '../text/vocabulary.js';
import { defineModality, missingOption, type FeatureLoader } from './modality.js';

export const textPreprocessing = Closed(
  {
    tokenizer: Default(
      Enum(['word', 'char'], { description: 'word: Unicode words (and punctuation, see punctuation); char: one token per character' }),
      'word',
    ),
    lowercase: Default(Type.Boolean({ description: 'lower-case the text before tokenising' }), true),
    punctuation: Default(
      Enum(['strip', 'split', 'keep'], {
        description:
          'word tokenizer: drop punctuation and symbols (strip), make each one a token (split), or split on whitespace only (keep)',
      }),
      'split',
    ),
    vocab_size: Default(
      Type.Integer({
        minimum: 1,
        maximum: 1000000,
        description: 'most frequent training tokens kept; the rest become OOV (id 1); PAD is id 0',
      }),
      10000,
    ),
    min_freq: Default(Type.Integer({ minimum: 1, description: 'tokens seen fewer times in the training split become OOV' }), 1),
    max_length: Default(
      Type.Integer({ minimum: 1, maximum: 100000, description: 'tokens per example: longer texts are cut, shorter ones padded' }),
      128,
    ),
    padding: Default(Enum(['post', 'pre'], { description: 'pad at the end (post) or the start (pre)' }), 'post'),
    truncation: Default(
      Enum(['post', 'pre'], { description: 'cut long texts at the end (post, keeps the start) or the start (pre)' }),
      'post',
    ),
    missing: missingOption('zeros'),
  },
  { description: 'how text is tokenised and turned into ids' },
);

/** The fitted state: the vocabulary (id = position + 2). */
export interface TextState {
  tokens: string[];
}

export const textModality = defineModality<typeof textPreprocessing, 'text'>({
  type: 'text',
  description: 'A text cell per row (a review, a message, a title, ...).',
  columnDescription: 'manifest column holding the text',
  preprocessing: textPreprocessing,
  defaultEncoder: 'embedding_bag',
  featureShape: (p) => [p.max_length],
  vocabularyBound: (p) => p.vocab_size + RESERVED_TOKENS.length,
  createLoader: async (p) => {
    const seq = { maxLength: p.max_length, padding: p.padding, truncation: p.truncation };
    let cache: { state: TextState; index: Map<string, number> } | undefined;
    const indexOf = (state: TextState) => {
      if (cache?.state !== state) cache = { state, index: vocabularyIndex(state.tokens) };
      return cache.index;
    };
    const loader: FeatureLoader<string[], TextState> = {
      missing: p.missing,
      normalization: 'none',
      read: (cells) => tokenize(cells[0] ?? '', p),
      fit: (train) => ({ tokens: buildVocabulary(train, { maxSize: p.vocab_size, minFreq: p.min_freq }) }),
      encode: (tokens, state) => encodeTokens(tokens, indexOf(state), seq),
      shape: () => textModality.featureShape(p, {}),
      meta: (state) => ({ vocabSize: state.tokens.length + RESERVED_TOKENS.length, vocabulary: [...RESERVED_TOKENS, ...state.tokens] }),
    };
    return loader;
  },
});
