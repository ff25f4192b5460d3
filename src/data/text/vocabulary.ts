/**
 * Token vocabularies learned from the training split. Ids: 0 = PAD (padding), 1 = OOV (a token not in the
 * vocabulary), then the kept tokens from 2 on, most frequent first; tokens with the same count are ordered by
 * their code units, so the vocabulary never depends on row order.
 */

export const PAD_ID = 0;
export const OOV_ID = 1;
export const RESERVED_TOKENS = ['<pad>', '<oov>'] as const;

export interface VocabularyOptions {
  /** at most this many tokens are kept (the reserved ids not counted) */
  maxSize: number;
  /** tokens seen fewer times than this in training are left out (they become OOV) */
  minFreq: number;
}

/** The kept tokens, in id order starting at id 2. */
export function buildVocabulary(documents: Iterable<readonly string[]>, o: VocabularyOptions): string[] {
  const counts = new Map<string, number>();
  for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .filter(([, c]) => c >= o.minFreq)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, o.maxSize)
    .map(([t]) => t);
}

/** token → id for a vocabulary from {@link buildVocabulary}. */
export function vocabularyIndex(tokens: readonly string[]): Map<string, number> {
  return new Map(tokens.map((t, i) => [t, i + RESERVED_TOKENS.length]));
}

export interface SequenceOptions {
  maxLength: number;
  /** pad at the end (post) or the start (pre) */
  padding: 'pre' | 'post';
  /** too long: cut the end (post, keeps the beginning) or the start (pre, keeps the end) */
  truncation: 'pre' | 'post';
}

/** Token ids of one document, truncated and padded to exactly `maxLength`. */
export function encodeTokens(tokens: readonly string[], index: ReadonlyMap<string, number>, o: SequenceOptions): Float32Array {
  const out = new Float32Array(o.maxLength); // PAD_ID = 0
  const n = Math.min(tokens.length, o.maxLength);
  const from = o.truncation === 'pre' ? tokens.length - n : 0;
  const at = o.padding === 'pre' ? o.maxLength - n : 0;
  for (let k = 0; k < n; k++) out[at + k] = index.get(tokens[from + k]!) ?? OOV_ID;
  return out;
}
