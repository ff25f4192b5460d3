/**
 * The `categorical` modality: one column of category names → an index into the categories seen in the training
 * split. Index 0 is reserved for a missing cell and 1 for a category not in the list (unseen in training, or
 * left out by min_freq / max_categories); the rest follow from 2, most frequent first (ties by name).
 */
import { Type } from '@sinclair/typebox';
import { Closed, Default } from '../../config/schema-kit.js';
import { buildVocabulary } from '../text/vocabulary.js';
import { defineModality, type FeatureLoader } from './modality.js';

export const MISSING_CATEGORY = 0;
export const UNKNOWN_CATEGORY = 1;

export const categoricalPreprocessing = Closed(
  {
    min_freq: Default(Type.Integer({ minimum: 1, description: 'categories seen fewer times in the training split count as unknown' }), 1),
    max_categories: Type.Optional(Type.Integer({ minimum: 1, description: 'keep at most this many (the most frequent) categories' })),
    lowercase: Default(Type.Boolean({ description: 'compare categories case-insensitively' }), false),
  },
  { description: 'how the category list is learned' },
);

export interface CategoricalState {
  /** category names; the index of categories[i] is i + 2 */
  categories: string[];
}

export const categoricalModality = defineModality<typeof categoricalPreprocessing, 'categorical'>({
  type: 'categorical',
  description: 'A column of category names (department, island, ...); missing and unseen categories have reserved indices.',
  columnDescription: 'manifest column holding the category',
  preprocessing: categoricalPreprocessing,
  defaultEncoder: 'embedding',
  featureShape: () => [1],
  // every distinct cell (at most max_categories of them) and the two reserved indices; without the cells, those two
  vocabularyBound: (p, cells) => {
    if (!cells) return 2;
    const seen = new Set<string>();
    for (const c of cells()) {
      const v = c.trim().normalize('NFC');
      if (v !== '') seen.add(p.lowercase ? v.toLowerCase() : v);
    }
    return Math.min(seen.size, p.max_categories ?? Infinity) + 2;
  },
  createLoader: async (p) => {
    let cache: { state: CategoricalState; index: Map<string, number> } | undefined;
    const loader: FeatureLoader<string, CategoricalState> = {
      handlesMissing: true,
      normalization: 'none',
      missingAction: 'reserved index 0',
      countMissing: (v) => (v === '' ? 1 : 0),
      read: (cells) => {
        const v = (cells[0] ?? '').trim().normalize('NFC');
        return p.lowercase ? v.toLowerCase() : v;
      },
      fit: (train) => ({
        categories: buildVocabulary(
          train.filter((v) => v !== '').map((v) => [v]),
          { maxSize: p.max_categories ?? Number.MAX_SAFE_INTEGER, minFreq: p.min_freq },
        ),
      }),
      encode: (v, state) => {
        if (cache?.state !== state) cache = { state, index: new Map(state.categories.map((c, i) => [c, i + 2])) };
        return Float32Array.of(v === '' ? MISSING_CATEGORY : (cache.index.get(v) ?? UNKNOWN_CATEGORY));
      },
      shape: () => categoricalModality.featureShape(p, {}),
      meta: (state) => ({ vocabSize: state.categories.length + 2, vocabulary: ['<missing>', '<unknown>', ...state.categories] }),
    };
    return loader;
  },
});
