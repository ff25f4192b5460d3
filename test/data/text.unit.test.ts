import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize } from '../../src/data/text/tokenize.js';
import { buildVocabulary, encodeTokens, OOV_ID, PAD_ID, vocabularyIndex } from '../../src/data/text/vocabulary.js';

const word = (punctuation: 'strip' | 'split' | 'keep', lowercase = true) => ({ tokenizer: 'word' as const, lowercase, punctuation });

describe('tokenize', () => {
  it('empty and whitespace-only text give no tokens, in every mode', () => {
    for (const o of [
      word('strip'),
      word('split'),
      word('keep'),
      { tokenizer: 'char' as const, lowercase: true, punctuation: 'split' as const },
    ]) {
      assert.deepEqual(tokenize('', o), []);
      assert.deepEqual(tokenize(' \t\n ', o), []);
    }
  });

  it('punctuation: strip drops it, split makes tokens of it, keep leaves it attached; inner apostrophes stay', () => {
    const text = "Don't stop -- it's GREAT!!  (really)";
    assert.deepEqual(tokenize(text, word('strip')), ["don't", 'stop', "it's", 'great', 'really']);
    assert.deepEqual(tokenize(text, word('split')), ["don't", 'stop', '-', '-', "it's", 'great', '!', '!', '(', 'really', ')']);
    assert.deepEqual(tokenize(text, word('keep')), ["don't", 'stop', '--', "it's", 'great!!', '(really)']);
    assert.deepEqual(tokenize('Hello World', word('strip', false)), ['Hello', 'World']);
  });

  it('is Unicode-aware: accents (composed or not), full-width letters, Cyrillic, emoji, CJK runs', () => {
    // "café" written with a combining accent equals the composed form after NFKC
    assert.deepEqual(tokenize('Cafe\u0301 CAFÉ', word('strip')), ['café', 'café']);
    assert.deepEqual(tokenize('ＡＢＣ１２３', word('strip')), ['abc123']);
    assert.deepEqual(tokenize('Привет, мир!', word('split')), ['привет', ',', 'мир', '!']);
    assert.deepEqual(tokenize('love it 😍👍', word('split')), ['love', 'it', '😍', '👍']);
    assert.deepEqual(tokenize('love it 😍👍', word('strip')), ['love', 'it']);
    assert.deepEqual(tokenize('東京タワー is tall', word('strip')), ['東京タワー', 'is', 'tall']);
  });

  it('char: one token per code point (not per UTF-16 unit), whitespace runs collapse to one space', () => {
    const o = { tokenizer: 'char' as const, lowercase: true, punctuation: 'split' as const };
    assert.deepEqual(tokenize('Hi  😍!', o), ['h', 'i', ' ', '😍', '!']);
    assert.deepEqual(tokenize('  a\n\nb ', o), ['a', ' ', 'b']);
  });
});

describe('vocabulary', () => {
  const docs = [['b', 'a', 'c', 'a'], ['c', 'd', 'b'], ['e'], []];

  it('orders by training frequency, ties by token; min_freq and vocab_size cut it', () => {
    // counts: a 2, b 2, c 2, d 1, e 1
    assert.deepEqual(buildVocabulary(docs, { maxSize: 100, minFreq: 1 }), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(buildVocabulary(docs, { maxSize: 100, minFreq: 2 }), ['a', 'b', 'c']);
    // a tie at the cut is broken by the token, never by row order
    assert.deepEqual(buildVocabulary(docs, { maxSize: 2, minFreq: 1 }), ['a', 'b']);
    assert.deepEqual(buildVocabulary([...docs].reverse(), { maxSize: 2, minFreq: 1 }), ['a', 'b']);
    assert.deepEqual(buildVocabulary([], { maxSize: 10, minFreq: 1 }), []);
  });

  it('ids: PAD 0, OOV 1, vocabulary from 2; padding and truncation pre/post', () => {
    const index = vocabularyIndex(['a', 'b', 'c']);
    assert.equal(index.get('a'), 2);
    const toks = ['a', 'zzz', 'b', 'c'];
    const enc = (maxLength: number, padding: 'pre' | 'post', truncation: 'pre' | 'post') =>
      Array.from(encodeTokens(toks, index, { maxLength, padding, truncation }));
    assert.deepEqual(enc(6, 'post', 'post'), [2, OOV_ID, 3, 4, PAD_ID, PAD_ID]);
    assert.deepEqual(enc(6, 'pre', 'post'), [PAD_ID, PAD_ID, 2, OOV_ID, 3, 4]);
    assert.deepEqual(enc(2, 'post', 'post'), [2, OOV_ID]);
    assert.deepEqual(enc(2, 'post', 'pre'), [3, 4]);
    assert.deepEqual(Array.from(encodeTokens([], index, { maxLength: 3, padding: 'post', truncation: 'post' })), [0, 0, 0]);
  });
});
