/**
 * End to end: real archives built from the shared data (laid out as upstream ships them) are served from
 * 127.0.0.1, downloaded into a temporary data home, extracted, prepared and verified; the prepared
 * manifests must equal the shared ones byte for byte. avmnist's PNGs are written by mmx (sharp), so their
 * bytes may differ from the shared Pillow-written ones: they are verified by decoded pixels.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeGrayPixels } from '../../src/datasets/avmnist.js';
import { ensureDataset, type DatasetProgress, type EnsureOptions } from '../../src/datasets/ensure.js';
import { DatasetError } from '../../src/datasets/errors.js';
import { readIdxImages } from '../../src/datasets/idx.js';
import { isPrepared } from '../../src/datasets/local.js';
import { datasets } from '../../src/datasets/registry.js';
import { dataPath } from '../helpers/data.js';
import { makeTarGz, makeZip, startServer, type TestServer } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const shared = (...p: string[]) => readFileSync(dataPath(...p));

function fsddArchive(): Buffer {
  const top = `free-spoken-digit-dataset-${datasets.fsdd.version}`;
  const names = readdirSync(dataPath('fsdd', 'recordings')).sort();
  return makeTarGz([
    { name: `${top}/`, type: 'dir' },
    { name: `${top}/README.md`, data: Buffer.from('# Free Spoken Digit Dataset (FSDD)\n') },
    { name: `${top}/metadata.py`, data: Buffer.from('metadata = {}\n') },
    { name: `${top}/recordings/`, type: 'dir' },
    ...names.map((n) => ({ name: `${top}/recordings/${n}`, data: shared('fsdd', 'recordings', n) })),
  ]);
}

function penguinsArchive(opts: { truncateRaw?: boolean; evil?: boolean } = {}): Buffer {
  const top = `palmerpenguins-${datasets.penguins.version}`;
  const raw = shared('penguins', 'penguins_raw.csv');
  return makeZip([
    { name: `${top}/` },
    { name: `${top}/DESCRIPTION`, data: Buffer.from('Package: palmerpenguins\nLicense: CC0\n') },
    { name: `${top}/inst/extdata/penguins.csv`, data: shared('penguins', 'penguins.csv') },
    { name: `${top}/inst/extdata/penguins_raw.csv`, data: opts.truncateRaw ? raw.subarray(0, raw.length - 100) : raw },
    ...(opts.evil ? [{ name: '../../evil.csv', data: Buffer.from('evil') }] : []),
  ]);
}

function smsArchive(corrupt = false): Buffer {
  const text = shared('sms_spam', 'SMSSpamCollection');
  const data = corrupt ? Buffer.from(text) : text;
  if (corrupt) data[100] = data[100]! ^ 0x20; // one letter's case: same size, different bytes
  return makeZip([
    { name: 'SMSSpamCollection', data },
    { name: 'readme', data: shared('sms_spam', 'readme.orig.txt') },
    { name: 'train.tsv', data: Buffer.from('label\ttext\n') },
  ]);
}

describe('ensureDataset from a local mirror', () => {
  let server: TestServer;
  let home: string;
  const events: DatasetProgress[] = [];
  const opts = (extra: Partial<EnsureOptions> = {}): EnsureOptions => ({
    dataHome: home,
    baseUrl: server.url,
    backoffMs: 10,
    env: {},
    onProgress: (e) => events.push(e),
    ...extra,
  });

  before(async () => {
    server = await startServer();
    home = tempDir('mmx-home-');
    const fsdd = fsddArchive();
    // the fsdd archive drops its connection once, a third of the way in: the client must resume it
    server.files.set(`/fsdd/${datasets.fsdd.sources[0]!.file}`, { body: fsdd, dropAfter: Math.floor(fsdd.length / 3), drops: 1 });
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
      server.files.set(`/mnist/${f}`, { body: shared('mnist', f) });
    server.files.set(`/penguins/${datasets.penguins.sources[0]!.file}`, { body: penguinsArchive() });
    server.files.set('/sms_spam/smsspamcollection.zip', { body: smsArchive() });
    server.files.set('/womens_clothing_reviews/womens_clothing_ecommerce_reviews.csv.zip', {
      body: shared('womens_clothing_reviews', 'womens_clothing_ecommerce_reviews.csv.zip'),
    });
  });
  after(async () => {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  for (const name of ['penguins', 'sms_spam', 'mnist', 'womens_clothing_reviews'] as const) {
    it(`${name}: downloaded, prepared, manifest equal to the shared one`, async () => {
      const manifest = await ensureDataset(name, opts());
      assert.equal(manifest, path.join(home, name, 'manifest.csv'));
      assert.ok(readFileSync(manifest).equals(shared(name, 'manifest.csv')), `${name}/manifest.csv differs from the shared copy`);
      for (const f of datasets[name].checksums.files) {
        if ('size' in f) assert.ok(readFileSync(path.join(home, name, f.path)).equals(shared(name, f.path)), f.path);
      }
      assert.ok(events.some((e) => e.type === 'ready' && e.dataset === name));
    });
  }

  it('fsdd: resumes the dropped download with Range, progress reaches the total', async () => {
    events.length = 0;
    const manifest = await ensureDataset('fsdd', opts());
    assert.ok(readFileSync(manifest).equals(shared('fsdd', 'manifest.csv')));
    assert.ok(readFileSync(path.join(home, 'fsdd', 'speakers.csv')).equals(shared('fsdd', 'speakers.csv')));
    const reqs = server.requests.filter((r) => r.path.startsWith('/fsdd/'));
    assert.equal(reqs.length, 2);
    assert.match(reqs[1]!.range ?? '', /^bytes=[1-9]\d*-$/);
    const retry = events.find((e) => e.type === 'retry');
    assert.ok(retry && retry.type === 'retry' && retry.resumeFrom > 0, 'a retry event with the resume offset');
    const dl = events.filter((e): e is Extract<DatasetProgress, { type: 'download' }> => e.type === 'download');
    assert.ok(dl.length > 2);
    for (let i = 1; i < dl.length; i++) assert.ok(dl[i]!.bytes >= dl[i - 1]!.bytes, 'download progress never goes back');
    assert.equal(dl.at(-1)!.bytes, dl.at(-1)!.total);
    assert.ok(events.some((e) => e.type === 'verify' && e.done === e.total && e.total === 3002));
    assert.ok(!existsSync(path.join(home, '.downloads')), 'downloads are removed once prepared');
  });

  it('avmnist: prepared from the fsdd and mnist copies; PNGs hold exactly the IDX pixels', async () => {
    const manifest = await ensureDataset('avmnist', opts());
    assert.ok(readFileSync(manifest).equals(shared('avmnist', 'manifest.csv')));
    const idx = readIdxImages(shared('mnist', 't10k-images-idx3-ubyte.gz'));
    const rows = readFileSync(manifest, 'utf8').trim().split('\n').slice(1);
    assert.equal(rows.length, 3000);
    for (const row of rows.filter((_, i) => i % 97 === 0)) {
      const [, image, , , index] = row.split(',');
      const png = readFileSync(path.join(home, 'avmnist', image!));
      assert.equal(png.readUInt8(25), 0, 'IHDR colour type 0: grayscale');
      assert.equal(png.readUInt8(24), 8, '8 bits per sample');
      const { width, height, pixels } = await decodeGrayPixels(path.join(home, 'avmnist', image!));
      assert.deepEqual([width, height], [28, 28]);
      const i = Number(index);
      assert.ok(pixels.equals(Buffer.from(idx.pixels.subarray(i * 784, (i + 1) * 784))), `${image} pixels`);
    }
  });

  it('a prepared copy is used as is, with no network access', async () => {
    const before = server.requests.length;
    events.length = 0;
    for (const name of Object.keys(datasets)) await ensureDataset(name, opts({ baseUrl: 'http://127.0.0.1:9' }));
    assert.equal(server.requests.length, before);
    assert.ok(events.every((e) => e.type === 'present'));
  });

  it('--force downloads and prepares again', async () => {
    const before = server.requests.length;
    const mtime = statSync(path.join(home, 'penguins', 'manifest.csv')).mtimeMs;
    await ensureDataset('penguins', opts({ force: true }));
    assert.equal(server.requests.length, before + 1);
    assert.ok(statSync(path.join(home, 'penguins', 'manifest.csv')).mtimeMs >= mtime);
    assert.ok(isPrepared('penguins', home));
  });

  describe('failures leave nothing behind', () => {
    let home2: string;
    before(() => {
      home2 = tempDir('mmx-home2-');
    });
    after(() => rmSync(home2, { recursive: true, force: true }));

    it('a corrupted file is a checksum error', async () => {
      server.files.set('/bad/sms_spam/smsspamcollection.zip', { body: smsArchive(true) });
      await assert.rejects(ensureDataset('sms_spam', opts({ dataHome: home2, baseUrl: `${server.url}/bad` })), (err: unknown) => {
        assert.ok(err instanceof DatasetError);
        assert.match(err.message, /sms_spam: the downloaded data failed verification: .*SMSSpamCollection: sha256 mismatch/);
        assert.match(err.message, /hint: the data were not used/);
        return true;
      });
      assert.deepEqual(readdirSync(home2), []);
    });

    it('a truncated file is a clear error', async () => {
      server.files.set('/bad/penguins/' + datasets.penguins.sources[0]!.file, { body: penguinsArchive({ truncateRaw: true }) });
      await assert.rejects(
        ensureDataset('penguins', opts({ dataHome: home2, baseUrl: `${server.url}/bad` })),
        /penguins_raw\.csv is truncated \(\d+ of \d+ bytes\)/,
      );
      assert.deepEqual(readdirSync(home2), []);
    });

    it('an archive with a traversal entry is refused', async () => {
      server.files.set('/evil/penguins/' + datasets.penguins.sources[0]!.file, { body: penguinsArchive({ evil: true }) });
      await assert.rejects(
        ensureDataset('penguins', opts({ dataHome: home2, baseUrl: `${server.url}/evil` })),
        /refusing to extract .*'\.\.\/\.\.\/evil\.csv'/,
      );
      assert.deepEqual(readdirSync(home2), []);
      assert.ok(!existsSync(path.join(path.dirname(home2), 'evil.csv')));
    });

    it('a missing file on the server is a clear error', async () => {
      await assert.rejects(
        ensureDataset('penguins', opts({ dataHome: home2, baseUrl: `${server.url}/nowhere` })),
        /cannot download .*nowhere\/penguins\/.*HTTP 404/,
      );
      assert.deepEqual(readdirSync(home2), []);
    });
  });
});
