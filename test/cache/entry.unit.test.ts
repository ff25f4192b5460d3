/** Cache entries: atomic writes, concurrent writers of one key, aborted writes, and what `clear` removes. */
import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RowStatus } from '../../src/data/cache/entry.js';
import { FeatureCache } from '../../src/data/cache/store.js';
import { tmp } from './helpers.js';

const info = (key: string) => ({ key, input: 'x', modality: 'image', manifest: '/m.csv', rows: 5, rowSize: 3, shape: [3] });
const rowOf = (i: number, salt = 0) => Float32Array.from([i, i + 0.5, salt]);

describe('cache entries', () => {
  it('are invisible until committed; concurrent writers of one key leave one whole entry', () => {
    const cache = new FeatureCache(path.join(tmp(), 'features'));
    const a = cache.create(info('k1'));
    const b = cache.create(info('k1'));
    for (const i of [4, 0, 2]) a.put(i, rowOf(i));
    a.fail(1, 'cannot decode image: file not found');
    assert.equal(cache.lookup('k1'), undefined, 'nothing before commit');
    for (const i of [0, 2, 4]) b.put(i, rowOf(i));
    b.fail(1, 'cannot decode image: file not found');
    a.commit();
    b.commit();
    const e = cache.lookup('k1')!;
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => e.rowStatus(i)),
      [RowStatus.Ok, RowStatus.Failed, RowStatus.Ok, RowStatus.NotRead, RowStatus.Ok],
    );
    assert.equal(e.error(1), 'cannot decode image: file not found');
    const out = new Float32Array(3);
    e.read(4, out);
    assert.deepEqual(out, rowOf(4));
    e.close();
    assert.deepEqual(readdirSync(cache.dir), ['k1.mmxf']);
  });

  it('an aborted write leaves nothing; clear keeps a temp file a writer may still own and removes old ones', () => {
    const cache = new FeatureCache(path.join(tmp(), 'features'));
    const w = cache.create(info('k2'));
    w.put(0, rowOf(0));
    w.abort();
    assert.deepEqual(readdirSync(cache.dir), []);
    const done = cache.create(info('k3'));
    done.put(0, rowOf(0));
    done.commit();
    const live = cache.create(info('k4'));
    const stale = path.join(cache.dir, 'k5.mmxf.tmp-1-old');
    writeFileSync(stale, 'x');
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(stale, old, old);
    const freed = cache.clear();
    assert.equal(freed.files, 2);
    const left = readdirSync(cache.dir);
    assert.equal(left.length, 1);
    assert.match(left[0]!, /^k4\.mmxf\.tmp-/);
    live.abort();
  });

  it('a row of the wrong size is refused', () => {
    const cache = new FeatureCache(path.join(tmp(), 'features'));
    const w = cache.create(info('k6'));
    assert.throws(() => w.put(0, new Float32Array(2)), /row of 2 values, expected 3/);
    w.abort();
  });
});
