/**
 * Downloads from a plain HTTP mirror — `python3 -m http.server`, which speaks HTTP/1.0 and closes the connection
 * after each response — of files of a megabyte and more: with fetch (undici 6) the process died with an uncaught
 * `assert(!this.paused)` on most of them (nodejs/undici#5360). Here dozens of downloads complete byte for byte,
 * `mmx datasets get mnist` from such a mirror works, and a gzip bomb served in MNIST's place is refused while it
 * is inflated, with the peak memory well under the gigabyte it expands to. Where python3 is missing, a Node server
 * that closes every connection the same way stands in.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { download } from '../../src/datasets/download.js';
import { ensureDataset } from '../../src/datasets/ensure.js';
import { DatasetError } from '../../src/datasets/errors.js';
import { runCli } from '../helpers/cli.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

interface Mirror {
  url: string;
  stop: () => Promise<void>;
  kind: string;
}

/** `python3 -m http.server` on `root`, or a Node server that closes each connection after its response. */
async function startMirror(root: string): Promise<Mirror> {
  if (spawnSync('python3', ['--version']).status === 0) {
    const child: ChildProcess = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`http.server did not start: ${out}`)), 15_000);
      child.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const m = /port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.stderr!.resume();
      child.on('exit', (code) => reject(new Error(`http.server exited (${code}): ${out}`)));
    });
    return {
      url: `http://127.0.0.1:${port}`,
      kind: 'python3 -m http.server',
      stop: () =>
        new Promise((r) => {
          child.removeAllListeners('exit');
          child.once('exit', () => r());
          child.kill();
        }),
    };
  }
  const server = createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404, { Connection: 'close' }).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': size, Connection: 'close' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kind: 'a Node server closing every connection',
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

describe('downloads from a plain HTTP mirror', () => {
  const root = tempDir('mmx-mirror-');
  let mirror: Mirror;
  const files = ['a.bin', 'b.bin', 'c.bin', 'd.bin'];
  before(async () => {
    files.forEach((f, i) => writeFileSync(path.join(root, f), randomBytes(1_000_000 + i * 400_000)));
    mkdirSync(path.join(root, 'mnist'));
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
      copyFileSync(dataPath('mnist', f), path.join(root, 'mnist', f));
    mirror = await startMirror(root);
  });
  after(() => mirror.stop());

  it('dozens of 1-2.2 MB downloads complete byte for byte', { timeout: 240_000 }, async () => {
    const dest = tempDir('mmx-mirror-dl-');
    let n = 0;
    for (let round = 0; round < 8; round++) {
      for (const f of files) {
        const out = path.join(dest, `${round}-${f}`);
        await download(`${mirror.url}/${f}`, out, { retries: 2, backoffMs: 10 });
        assert.ok(readFileSync(out).equals(readFileSync(path.join(root, f))), `${f}, round ${round} (${mirror.kind})`);
        n++;
      }
    }
    assert.equal(n, 32);
  });

  it('mmx datasets get mnist from the mirror, three times over', { timeout: 240_000 }, async () => {
    const home = tempDir('mmx-mirror-home-');
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['datasets', 'get', 'mnist', '--force', '--base-url', mirror.url], {
        env: { MMX_DATA_HOME: home },
        timeoutMs: 200_000,
      });
      assert.equal(r.code, 0, `${mirror.kind}: ${r.stderr}`);
      assert.match(r.stdout, /^mnist\t.*manifest\.csv$/m);
    }
  });
});

describe('a gzip bomb in place of a data set file', () => {
  it('is refused while it inflates, with bounded memory', { timeout: 240_000 }, async () => {
    const root = tempDir('mmx-bomb-');
    mkdirSync(path.join(root, 'mnist'));
    // 16 gzip members of 64 MB of zeros: ~1 MB on disk, 1 GB inflated
    const member = gzipSync(Buffer.alloc(64 * 2 ** 20), { level: 9 });
    writeFileSync(path.join(root, 'mnist', 't10k-images-idx3-ubyte.gz'), Buffer.concat(Array.from({ length: 16 }, () => member)));
    copyFileSync(dataPath('mnist', 't10k-labels-idx1-ubyte.gz'), path.join(root, 'mnist', 't10k-labels-idx1-ubyte.gz'));
    const mirror = await startMirror(root);
    try {
      const before = process.memoryUsage.rss();
      await assert.rejects(
        ensureDataset('mnist', { dataHome: tempDir('mmx-bomb-home-'), baseUrl: mirror.url, force: true, retries: 1, backoffMs: 10 }),
        (err: unknown) => {
          assert.ok(err instanceof DatasetError, String(err));
          assert.match(err.message, /MNIST images: decompresses to more than [\d.]+ MB from [\d.]+ MB .*refused as a decompression bomb/);
          return true;
        },
      );
      // peak RSS of this process (KiB): the bomb's gigabyte never came near
      const peak = process.resourceUsage().maxRSS * 1024;
      assert.ok(peak - before < 400 * 2 ** 20, `peak RSS ${Math.round(peak / 2 ** 20)} MB (before: ${Math.round(before / 2 ** 20)} MB)`);
      console.log(
        `# gzip bomb (1 GB inflated) refused; peak RSS ${Math.round(peak / 2 ** 20)} MB, ${Math.round(before / 2 ** 20)} MB before`,
      );
    } finally {
      await mirror.stop();
    }
  });
});
