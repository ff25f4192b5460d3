/**
 * The feature cache on real data (an AV-MNIST subset): a cached preparation gives the same features bit for bit,
 * a second one decodes nothing, changes to a data file or to one input's preprocessing invalidate exactly what
 * they should, a sweep-like change (model, training, seed) does not, and a damaged entry is rebuilt.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prepareData } from '../../src/data/dataset.js';
import { FeatureCache } from '../../src/data/cache/store.js';
import { checked, collector } from '../data/helpers.js';
import { avmnistSubset } from '../helpers/subset.js';
import { avmnistYaml, sameFeatures, tmp } from './helpers.js';

/** A subset whose image files are copies in `dir/img` (so a test can change one). */
function subsetWithOwnImages(dir: string): string {
  const manifest = avmnistSubset(dir, { train: 6, validation: 2, test: 2 });
  mkdirSync(path.join(dir, 'img'));
  const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
  const out = [lines[0]!];
  lines.slice(1).forEach((line, k) => {
    const [image, ...rest] = line.split(',');
    const copy = path.join(dir, 'img', `${k}.png`);
    copyFileSync(image!, copy);
    out.push([copy, ...rest].join(','));
  });
  writeFileSync(manifest, out.join('\n') + '\n');
  return manifest;
}

const statuses = (d: { cache?: { inputs: { input: string; status: string }[] } }): Record<string, string> =>
  Object.fromEntries((d.cache?.inputs ?? []).map((i) => [i.input, i.status]));

describe('feature cache', () => {
  it('a cached run gives the uncached features bit for bit, and the second run decodes nothing', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 8, validation: 2, test: 2 });
    const config = checked(
      dir,
      avmnistYaml(manifest, { extra: '  speaker:\n    type: text\n    column: label\n    preprocessing: {max_length: 2}\n' }),
    );
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const plain = await prepareData(config);
    assert.equal(plain.cache, undefined);
    const first = await prepareData(config, undefined, undefined, { cache });
    assert.deepEqual(statuses(first), { image: 'miss', speech: 'miss', speaker: 'not cached' });
    const second = await prepareData(config, undefined, undefined, { cache });
    assert.deepEqual(statuses(second), { image: 'hit', speech: 'hit', speaker: 'not cached' });
    for (const split of ['train', 'validation', 'test'] as const) {
      assert.ok(sameFeatures(plain[split], first[split]), `${split}: miss run differs`);
      assert.ok(sameFeatures(plain[split], second[split]), `${split}: hit run differs`);
      assert.deepEqual(second[split].labels, plain[split].labels);
      assert.deepEqual(second[split].rows, plain[split].rows);
    }
    assert.deepEqual(second.state, plain.state);
    assert.equal(readdirSync(cache.dir).filter((f) => f.endsWith('.mmxf')).length, 2);
    assert.equal(readdirSync(cache.dir).filter((f) => f.includes('.tmp-')).length, 0, 'no temp file is left');
  });

  it('model, training and seed changes hit; one input preprocessing change re-decodes that input only', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 4, validation: 1, test: 1 });
    const cache = new FeatureCache(path.join(dir, 'cache'));
    await prepareData(checked(dir, avmnistYaml(manifest)), undefined, undefined, { cache });
    const sweepLike =
      avmnistYaml(manifest).replace('seed: 7', 'seed: 8').replace('epochs: 1, batch_size: 32', 'epochs: 3, batch_size: 16') +
      'fusion: {type: sum}\n';
    assert.deepEqual(statuses(await prepareData(checked(dir, sweepLike), undefined, undefined, { cache })), {
      image: 'hit',
      speech: 'hit',
    });
    // `missing:` decides which rows are read, not what a row decodes to
    const missing = avmnistYaml(manifest).replace('channels: 1}', 'channels: 1, missing: zeros}');
    assert.deepEqual(statuses(await prepareData(checked(dir, missing), undefined, undefined, { cache })), { image: 'hit', speech: 'hit' });
    const mels = await prepareData(checked(dir, avmnistYaml(manifest, { nMels: 32 })), undefined, undefined, { cache });
    assert.deepEqual(statuses(mels), { image: 'hit', speech: 'miss' });
    assert.deepEqual(mels.state.inputs.find((s) => s.name === 'speech')!.shape, [101, 32]);
    assert.deepEqual(statuses(await prepareData(checked(dir, avmnistYaml(manifest, { height: 20 })), undefined, undefined, { cache })), {
      image: 'miss',
      speech: 'hit',
    });
  });

  it('a changed data file invalidates the entry, and the new features are used', async () => {
    const dir = tmp();
    const manifest = subsetWithOwnImages(dir);
    const config = checked(dir, avmnistYaml(manifest));
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const before = await prepareData(config, undefined, undefined, { cache });
    // replace the first training row's image by another digit's (a different file content, size and mtime)
    const row0 = before.train.rows[0]!;
    const other = before.train.rows.find((r) => before.train.labels[before.train.rows.indexOf(r)] !== before.train.labels[0])!;
    const file0 = path.join(dir, 'img', `${row0}.png`);
    copyFileSync(path.join(dir, 'img', `${other}.png`), file0);
    const later = new Date(statSync(file0).mtimeMs + 5000);
    utimesSync(file0, later, later);
    const after = await prepareData(checked(dir, avmnistYaml(manifest)), undefined, undefined, { cache });
    assert.deepEqual(statuses(after), { image: 'miss', speech: 'hit' });
    const fresh = await prepareData(checked(dir, avmnistYaml(manifest)));
    assert.ok(sameFeatures(after.train, fresh.train), 'the re-decoded features are those of the changed file');
    assert.ok(!sameFeatures(after.train, before.train));
  });

  it('a truncated or corrupted entry is detected, reported and rebuilt, never trusted', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 4, validation: 1, test: 1 });
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const plain = await prepareData(checked(dir, avmnistYaml(manifest)));
    const first = await prepareData(checked(dir, avmnistYaml(manifest)), undefined, undefined, { cache });
    const entryOf = (input: string) => path.join(cache.dir, `${first.cache!.inputs.find((i) => i.input === input)!.key}.mmxf`);
    // flip one byte inside the image data; cut the audio entry short
    const image = entryOf('image');
    const bytes = readFileSync(image);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(image, bytes);
    truncateSync(entryOf('speech'), 1000);
    const c = collector();
    const again = await prepareData(checked(dir, avmnistYaml(manifest)), c.emit, undefined, { cache });
    assert.deepEqual(statuses(again), { image: 'miss', speech: 'miss' });
    const warnings = c.logs().filter((m) => m.startsWith('feature cache:'));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings.join('\n'), /checksum mismatch/);
    assert.match(warnings.join('\n'), /truncated|end marker/);
    for (const split of ['train', 'validation', 'test'] as const) assert.ok(sameFeatures(plain[split], again[split]));
    assert.deepEqual(statuses(await prepareData(checked(dir, avmnistYaml(manifest)), undefined, undefined, { cache })), {
      image: 'hit',
      speech: 'hit',
    });
  });

  it('unreadable files are replayed from the cache with on_error: skip', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 4, validation: 1, test: 1 });
    const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
    lines[2] = lines[2]!.replace(/^[^,]+/, path.join(dir, 'missing.png'));
    writeFileSync(manifest, lines.join('\n') + '\n');
    const yaml = avmnistYaml(manifest).replace('split: {column: split}}', 'split: {column: split}, on_error: skip}');
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const plain = await prepareData(checked(dir, yaml));
    const first = await prepareData(checked(dir, yaml), undefined, undefined, { cache });
    const second = await prepareData(checked(dir, yaml), undefined, undefined, { cache });
    assert.deepEqual(statuses(second), { image: 'hit', speech: 'hit' });
    assert.equal(plain.skipped.length, 1);
    assert.deepEqual(first.skipped, plain.skipped);
    assert.deepEqual(second.skipped, plain.skipped);
    assert.ok(sameFeatures(plain.train, second.train));
  });

  it('two preparations at once: one decodes, the other waits for its entry; a lock left by a dead holder is taken over', async () => {
    const dir = tmp();
    const manifest = avmnistSubset(dir, { train: 4, validation: 1, test: 1 });
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const a = collector();
    const b = collector();
    const [first, second] = await Promise.all([
      prepareData(checked(dir, avmnistYaml(manifest)), a.emit, undefined, { cache }),
      prepareData(checked(dir, avmnistYaml(manifest)), b.emit, undefined, { cache }),
    ]);
    const both = [statuses(first), statuses(second)];
    assert.deepEqual(both.map((s) => s.image).sort(), ['hit', 'miss'], JSON.stringify(both));
    assert.deepEqual(both.map((s) => s.speech).sort(), ['hit', 'miss'], JSON.stringify(both));
    assert.ok([...a.logs(), ...b.logs()].some((m) => /another process is decoding input/.test(m)));
    for (const split of ['train', 'validation', 'test'] as const) assert.ok(sameFeatures(first[split], second[split]));
    assert.deepEqual(
      readdirSync(cache.dir).filter((f) => f.endsWith('.lock')),
      [],
      'locks are released',
    );

    // a lock left by a process that no longer exists does not block
    const fresh = new FeatureCache(path.join(dir, 'cache2'));
    const key = first.cache!.inputs.find((i) => i.input === 'image')!.key!;
    mkdirSync(fresh.dir, { recursive: true });
    writeFileSync(path.join(fresh.dir, `${key}.lock`), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }));
    assert.deepEqual(statuses(await prepareData(checked(dir, avmnistYaml(manifest)), undefined, undefined, { cache: fresh })), {
      image: 'miss',
      speech: 'miss',
    });
    assert.deepEqual(
      readdirSync(fresh.dir).filter((f) => f.endsWith('.lock')),
      [],
    );
  });
});
