import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.js';

describe('did-you-mean', () => {
  it('computes edit distance with transpositions', () => {
    assert.equal(editDistance('filters', 'filtres'), 1);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('', 'abc'), 3);
  });
  it('suggests close names and nothing for far ones', () => {
    assert.equal(didYouMean('filtrs', ['filters', 'kernel_size', 'dropout']), 'filters');
    assert.equal(didYouMean('Dropout', ['filters', 'dropout']), 'dropout');
    assert.equal(didYouMean('outp', ['output_dim', 'dropout']), 'output_dim');
    assert.equal(didYouMean('zzzzzz', ['filters', 'dropout']), undefined);
  });
});
