import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DatasetError } from '../../src/datasets/errors.js';
import { extractTarGz, extractZip, linkStaysInside, unsafeEntryReason } from '../../src/datasets/extract.js';
import { makeTarGz, makeZip, type TarItem, type ZipItem } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('mmx-extract-');
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh case folder: the archive is written there, extraction goes to `<case>/home/out`. */
function fresh(): { caseDir: string; out: string } {
  const caseDir = path.join(root, `case${n++}`);
  mkdirSync(path.join(caseDir, 'home'), { recursive: true });
  return { caseDir, out: path.join(caseDir, 'home', 'out') };
}

function zipCase(items: ZipItem[]): { archive: string; out: string; caseDir: string } {
  const c = fresh();
  const archive = path.join(c.caseDir, 'a.zip');
  writeFileSync(archive, makeZip(items));
  return { archive, ...c };
}

function tarCase(items: TarItem[]): { archive: string; out: string; caseDir: string } {
  const c = fresh();
  const archive = path.join(c.caseDir, 'a.tar.gz');
  writeFileSync(archive, makeTarGz(items));
  return { archive, ...c };
}

const refused = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof DatasetError, String(err));
  assert.match(err.message, /refusing to extract/);
  assert.match(err.message, pattern);
  return true;
};

describe('entry names', () => {
  it('flags traversal and absolute paths', () => {
    assert.equal(unsafeEntryReason('repo-abc/recordings/0_george_0.wav'), undefined);
    assert.equal(unsafeEntryReason('a/..b/c'), undefined);
    assert.match(unsafeEntryReason('../x')!, /\.\./);
    assert.match(unsafeEntryReason('a/../../x')!, /\.\./);
    assert.match(unsafeEntryReason('a\\..\\..\\x')!, /\.\./);
    assert.match(unsafeEntryReason('/etc/passwd')!, /absolute/);
    assert.match(unsafeEntryReason('C:\\x')!, /absolute/);
    assert.equal(linkStaysInside('a/b/link', '../c'), true);
    assert.equal(linkStaysInside('a/link', '../../c'), false);
    assert.equal(linkStaysInside('a/link', '/etc/passwd'), false);
  });
});

describe('zip extraction', () => {
  it('extracts files and folders', async () => {
    const { archive, out } = zipCase([
      { name: 'top/' },
      { name: 'top/a.txt', data: Buffer.from('hello') },
      { name: 'top/sub/b.txt', data: Buffer.from('x'.repeat(10000)) },
    ]);
    await extractZip(archive, out);
    assert.equal(readFileSync(path.join(out, 'top/a.txt'), 'utf8'), 'hello');
    assert.equal(readFileSync(path.join(out, 'top/sub/b.txt'), 'utf8'), 'x'.repeat(10000));
  });

  it("refuses a '../' entry and writes nothing", async () => {
    const { archive, out, caseDir } = zipCase([
      { name: 'ok.txt', data: Buffer.from('ok') },
      { name: '../evil.txt', data: Buffer.from('evil') },
    ]);
    await assert.rejects(extractZip(archive, out), refused(/'\.\.\/evil\.txt'.*path traversal/));
    assert.ok(!existsSync(path.join(caseDir, 'home', 'evil.txt')));
    assert.ok(!existsSync(path.join(out, 'ok.txt')), 'nothing is extracted from a refused archive');
  });

  it('refuses an absolute entry', async () => {
    const { archive, out } = zipCase([{ name: '/tmp/mmx-evil.txt', data: Buffer.from('evil') }]);
    await assert.rejects(extractZip(archive, out), refused(/absolute path/));
  });

  it('refuses a link pointing outside', async () => {
    const { archive, out } = zipCase([{ name: 'top/link', link: '../../../etc/passwd' }]);
    await assert.rejects(extractZip(archive, out), refused(/link to '\.\.\/\.\.\/\.\.\/etc\/passwd'/));
  });

  it('says clearly when the file is not a zip (e.g. truncated)', async () => {
    const c = fresh();
    const archive = path.join(c.caseDir, 'bad.zip');
    writeFileSync(archive, makeZip([{ name: 'a.txt', data: Buffer.from('a'.repeat(5000)) }]).subarray(0, 100));
    await assert.rejects(extractZip(archive, c.out), /bad\.zip is not a readable zip archive/);
  });
});

describe('tar.gz extraction', () => {
  it('extracts files and folders, skipping links that stay inside', async () => {
    const { archive, out } = tarCase([
      { name: 'top/', type: 'dir' },
      { name: 'top/a.txt', data: Buffer.from('hello') },
      { name: 'top/inner-link', type: 'symlink', link: 'a.txt' },
    ]);
    await extractTarGz(archive, out);
    assert.equal(readFileSync(path.join(out, 'top/a.txt'), 'utf8'), 'hello');
    assert.deepEqual(readdirSync(path.join(out, 'top')), ['a.txt']);
  });

  it("refuses a '../' entry and writes nothing", async () => {
    const { archive, out, caseDir } = tarCase([
      { name: 'ok.txt', data: Buffer.from('ok') },
      { name: '../../evil.txt', data: Buffer.from('evil') },
    ]);
    await assert.rejects(extractTarGz(archive, out), refused(/'\.\.\/\.\.\/evil\.txt'.*path traversal/));
    assert.ok(!existsSync(path.join(caseDir, 'evil.txt')));
    assert.ok(!existsSync(path.join(out, 'ok.txt')));
  });

  it('refuses an absolute entry', async () => {
    const { archive, out } = tarCase([{ name: '/tmp/mmx-evil.txt', data: Buffer.from('evil') }]);
    await assert.rejects(extractTarGz(archive, out), refused(/absolute path/));
  });

  it('refuses a symlink pointing outside', async () => {
    const { archive, out } = tarCase([{ name: 'top/etc', type: 'symlink', link: '/etc' }]);
    await assert.rejects(extractTarGz(archive, out), refused(/link to '\/etc'/));
  });

  it('says clearly when the archive is truncated', async () => {
    const c = fresh();
    const archive = path.join(c.caseDir, 'cut.tar.gz');
    const full = makeTarGz([{ name: 'a.bin', data: Buffer.alloc(100000, 7) }]);
    writeFileSync(archive, full.subarray(0, Math.floor(full.length / 2)));
    await assert.rejects(extractTarGz(archive, c.out), (err: unknown) => err instanceof DatasetError && /cut\.tar\.gz/.test(err.message));
  });
});
