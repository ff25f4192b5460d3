/**
 * Tokenisers for the text modality. Text is first NFKC-normalised (so full-width letters, ligatures and
 * composed/decomposed accents compare equal) and optionally lower-cased.
 *
 * - `word`: Unicode-aware. A word is a run of letters, marks and digits, with inner apostrophes kept
 *   ("don't", "l'homme"). Punctuation and symbols (emoji included): `strip` drops them, `split` makes each
 *   one a token of its own, `keep` splits on whitespace only (punctuation stays attached: "great!").
 *   Scripts without spaces (CJK) stay one token per run.
 * - `char`: one token per Unicode code point; runs of whitespace become one space; punctuation is kept.
 */

export type Punctuation = 'strip' | 'split' | 'keep';

export interface TokenizerOptions {
  tokenizer: 'word' | 'char';
  lowercase: boolean;
  punctuation: Punctuation;
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const WORD_OR_MARK = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;
const SPACE = /\s+/u;

export function normalizeText(text: string, lowercase: boolean): string {
  const t = text.normalize('NFKC');
  return lowercase ? t.toLowerCase() : t;
}

export function tokenize(text: string, o: TokenizerOptions): string[] {
  const t = normalizeText(text, o.lowercase);
  if (o.tokenizer === 'char') {
    return Array.from(t.replace(/\s+/gu, ' ').trim());
  }
  switch (o.punctuation) {
    case 'strip':
      return t.match(WORD) ?? [];
    case 'split':
      return t.match(WORD_OR_MARK) ?? [];
    case 'keep':
      return t.split(SPACE).filter((w) => w !== '');
  }
}
