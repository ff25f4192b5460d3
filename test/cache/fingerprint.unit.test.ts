/**
 * The feature cache's key (src/data/cache/fingerprint.ts) looks at every file a row names: a name the file system
 * refuses (too long, a file used as a folder) used to throw ENAMETOOLONG out of the key and fail the run with
 * exit 1 (found by test/fuzz); now the key records why, and the row's own read says what is wrong with it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { entryKey } from '../../src/data/cache/fingerprint.js';
import { tempDir } from '../helpers/tmp.js';

describe('feature cache key', () => {
  it('names the file system refuses make a key, and a different one from an existing file', () => {
    const dir = tempDir('mmx-key-');
    writeFileSync(path.join(dir, 'a.png'), 'x');
    const key = (cell: string) => entryKey({ modality: 'image', preprocessing: {}, cells: [[cell]], baseDir: dir });
    const long = key(`${'a'.repeat(300)}.png`);
    assert.match(long, /^[0-9a-f]{40}$/);
    assert.match(key('a.png/inside.png'), /^[0-9a-f]{40}$/);
    assert.notEqual(long, key('a.png'));
    assert.equal(long, key(`${'a'.repeat(300)}.png`));
  });
});
