import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { datasetsGetCommand, datasetsListCommand, datasetsPathCommand } from '../../src/cli/commands/datasets.js';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { ensureDataset, sourceUrl } from '../../src/datasets/ensure.js';
import { DatasetError } from '../../src/datasets/errors.js';
import { defaultDataHome } from '../../src/datasets/home.js';
import { isPrepared } from '../../src/datasets/local.js';
import { DATASET_NAMES } from '../../src/datasets/names.js';
import { decodeGray8, encodeGray8 } from '../../src/datasets/png.js';
import { datasets, datasetTags, getDataset, listDatasets } from '../../src/datasets/registry.js';
import { dataHome, dataPath } from '../helpers/data.js';

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, cb) {
      w.text += String(chunk);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('registry', () => {
  it('has one entry per name, and the config schema lists exactly those names', () => {
    assert.deepEqual(Object.keys(datasets).sort(), [...DATASET_NAMES].sort());
    const data = (experimentJsonSchema().properties as Record<string, { properties: Record<string, { enum?: string[] }> }>).data!;
    assert.deepEqual(data.properties.dataset!.enum, [...DATASET_NAMES]);
  });

  it('every entry records sources, licence, citation and the checksum of every file', () => {
    for (const e of listDatasets()) {
      assert.ok(e.licence && e.citation && e.homepage.length > 0, e.name);
      assert.equal(e.checksums.dataset, e.name);
      assert.ok(
        e.checksums.files.some((f) => f.path === 'manifest.csv'),
        `${e.name}: manifest.csv listed`,
      );
      for (const s of e.sources)
        assert.match(s.url, /^https:\/\/(codeload|raw)\.githubusercontent\.com\/|^https:\/\/codeload\.github\.com\//, s.url);
      for (const d of e.dependsOn) assert.ok(datasets[d], `${e.name} depends on ${d}`);
    }
    assert.equal(datasets.fsdd.checksums.files.length, 3002);
    assert.equal(datasets.avmnist.checksums.files.filter((f) => 'pixels' in f).length, 3000);
    assert.deepEqual(datasets.avmnist.dependsOn, ['fsdd', 'mnist']);
  });

  it('unknown names get a did-you-mean', () => {
    assert.throws(
      () => getDataset('avmnst'),
      (err: unknown) =>
        err instanceof DatasetError && /unknown data set 'avmnst'/.test(err.message) && /did you mean 'avmnist'\?/.test(err.message),
    );
    assert.throws(() => getDataset('cifar10'), /expected one of the built-in data sets: 'fsdd', 'mnist'/);
  });

  it('run tags name the set, its version, sources, licence and citation', () => {
    const t = datasetTags('fsdd');
    assert.equal(t['mmx.dataset'], 'fsdd');
    assert.equal(t['mmx.dataset.version'], datasets.fsdd.version);
    assert.match(t['mmx.dataset.source']!, /github\.com\/Jakobovski\/free-spoken-digit-dataset/);
    assert.equal(t['mmx.dataset.licence'], 'CC BY-SA 4.0');
    assert.ok(Object.values(t).every((v) => v.length <= 5000));
  });

  it('a mirror serves <base>/<dataset>/<file>', () => {
    assert.equal(
      sourceUrl(datasets.mnist, datasets.mnist.sources[0]!, 'http://127.0.0.1:8/m/'),
      'http://127.0.0.1:8/m/mnist/t10k-images-idx3-ubyte.gz',
    );
    assert.equal(sourceUrl(datasets.mnist, datasets.mnist.sources[0]!, undefined), datasets.mnist.sources[0]!.url);
  });

  it('the data home comes from MMX_DATA_HOME (a relative one under the base folder given), else the XDG cache folder', () => {
    assert.equal(defaultDataHome({ MMX_DATA_HOME: '/data/x' }, '/base'), '/data/x');
    assert.equal(defaultDataHome({ MMX_DATA_HOME: 'data/x' }, '/base'), '/base/data/x');
    assert.equal(defaultDataHome({ XDG_CACHE_HOME: '/c' }, '/base'), '/c/mmx/datasets');
    assert.match(defaultDataHome({}, '/base'), /\.cache\/mmx\/datasets$/);
  });
});

describe('the shared copy as data home (offline)', () => {
  it('every built-in name resolves to its shared manifest without network access', async () => {
    for (const name of DATASET_NAMES) {
      assert.ok(isPrepared(name, dataHome()), `${name} passes the quick check`);
      const manifest = await ensureDataset(name, { dataHome: dataHome(), baseUrl: 'http://127.0.0.1:9', retries: 0, env: {} });
      assert.equal(manifest, dataPath(name, 'manifest.csv'));
    }
  });

  it('passes the full verification (sha256 of every file, pixels of the PNGs)', async () => {
    for (const name of DATASET_NAMES)
      await ensureDataset(name, { dataHome: dataHome(), verify: true, baseUrl: 'http://127.0.0.1:9', env: {} });
  });
});

describe('8-bit gray PNG', () => {
  it('decodes the Pillow-written PNGs exactly as sharp does, and round-trips its own', async () => {
    const rows = readFileSync(dataPath('avmnist', 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
    for (const row of rows.filter((_, i) => i % 150 === 0)) {
      const file = dataPath('avmnist', row.split(',')[1]!);
      const bytes = readFileSync(file);
      const mine = decodeGray8(bytes)!;
      const ref = await sharp(bytes).toColourspace('b-w').extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      assert.equal((await sharp(bytes).metadata()).channels, 1);
      assert.deepEqual([mine.width, mine.height], [ref.info.width, ref.info.height]);
      assert.ok(mine.pixels.equals(ref.data), path.basename(file));
      const again = encodeGray8(mine.pixels, mine.width, mine.height);
      const back = await sharp(again).toColourspace('b-w').extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      assert.equal((await sharp(again).metadata()).channels, 1);
      assert.ok(back.data.equals(mine.pixels));
    }
  });

  it('leaves other PNG kinds to sharp', async () => {
    const rgb = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    assert.equal(decodeGray8(rgb), undefined);
    assert.equal(decodeGray8(Buffer.from('not a png')), undefined);
  });
});

describe('mmx datasets (commands)', () => {
  const env = { MMX_DATA_HOME: dataHome() };

  it('list --json shows every set with licence, sources and its state in the data home', () => {
    const stdout = sink();
    assert.equal(datasetsListCommand({ json: true }, { stdout, stderr: sink(), env }), 0);
    const out = JSON.parse(stdout.text) as {
      data_home: string;
      datasets: { name: string; licence: string; sources: string[]; prepared: boolean }[];
    };
    assert.equal(out.data_home, dataHome());
    assert.deepEqual(
      out.datasets.map((d) => d.name),
      [...DATASET_NAMES],
    );
    assert.ok(out.datasets.every((d) => d.prepared && d.licence));
  });

  it('list prints a table with name, modalities, examples, classes, size and licence', () => {
    const stdout = sink();
    datasetsListCommand({}, { stdout, stderr: sink(), env });
    const [header, ...rest] = stdout.text.split('\n');
    assert.match(header!, /^name\s+modalities\s+examples\s+classes\s+size\s+licence/);
    assert.ok(rest.some((l) => /^avmnist\s+image \+ audio\s+3,000\s+10\s/.test(l)));
    assert.match(stdout.text, /citation {2}T\. A\. Almeida/);
  });

  it('get of a prepared set prints its manifest; an unknown name is exit 2 with a did-you-mean', async () => {
    const stdout = sink();
    const stderr = sink();
    assert.equal(await datasetsGetCommand(['penguins'], {}, { stdout, stderr, env }), 0);
    assert.equal(stdout.text, `penguins\t${dataPath('penguins', 'manifest.csv')}\n`);
    assert.match(stderr.text, /penguins: present in/);
    const err = sink();
    assert.equal(await datasetsGetCommand(['penguin'], {}, { stdout: sink(), stderr: err, env }), 2);
    assert.equal(err.text, "error: unknown data set 'penguin'\n  hint: did you mean 'penguins'?\n");
  });

  it('path prints the folder or the manifest', () => {
    const stdout = sink();
    assert.equal(datasetsPathCommand('fsdd', {}, { stdout, stderr: sink(), env }), 0);
    assert.equal(datasetsPathCommand('fsdd', { manifest: true }, { stdout, stderr: sink(), env }), 0);
    assert.equal(stdout.text, `${dataPath('fsdd')}\n${dataPath('fsdd', 'manifest.csv')}\n`);
  });
});
