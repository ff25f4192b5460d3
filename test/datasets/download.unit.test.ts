import assert from 'node:assert/strict';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { download, type DownloadProgress } from '../../src/datasets/download.js';
import { DatasetError } from '../../src/datasets/errors.js';
import { startServer, type TestServer } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

describe('download', () => {
  let server: TestServer;
  let dir: string;
  const body = randomBytes(3 * 1024 * 1024 + 17);
  before(async () => {
    server = await startServer();
    dir = tempDir('mmx-dl-');
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the file and reports monotonic progress up to the total', async () => {
    server.files.set('/a.bin', { body });
    const events: DownloadProgress[] = [];
    const dest = path.join(dir, 'a.bin');
    await download(`${server.url}/a.bin`, dest, { onProgress: (p) => events.push(p) });
    assert.ok(readFileSync(dest).equals(body));
    assert.ok(!existsSync(`${dest}.part`));
    assert.ok(events.length > 1);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.bytes >= events[i - 1]!.bytes);
    assert.equal(events.at(-1)!.bytes, body.length);
    assert.equal(events.at(-1)!.total, body.length);
  });

  it('resumes with Range after the connection drops mid-body', async () => {
    server.files.set('/b.bin', { body, dropAfter: 1_000_000, drops: 1 });
    server.requests.length = 0;
    const retries: { resumeFrom: number }[] = [];
    const dest = path.join(dir, 'b.bin');
    await download(`${server.url}/b.bin`, dest, { backoffMs: 10, onRetry: (r) => retries.push(r) });
    assert.ok(readFileSync(dest).equals(body));
    const reqs = server.requests.filter((r) => r.path === '/b.bin');
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0]!.range, undefined);
    assert.match(reqs[1]!.range ?? '', /^bytes=\d+-$/);
    const from = Number(/(\d+)/.exec(reqs[1]!.range!)![1]);
    // from what had arrived when the connection dropped (the server had sent 1 MB; how much of it reached the
    // client before the reset depends on socket buffers and load): not from the start, not past the end
    assert.ok(from > 0 && from <= 1_000_000, `resumed from ${from}`);
    assert.equal(retries.length, 1);
  });

  it('starts over when the server ignores Range', async () => {
    server.files.set('/c.bin', { body, dropAfter: 500_000, drops: 1, ignoreRange: true });
    const dest = path.join(dir, 'c.bin');
    await download(`${server.url}/c.bin`, dest, { backoffMs: 10 });
    assert.ok(readFileSync(dest).equals(body));
  });

  it('fails at once on 404, with the URL in the message', async () => {
    server.requests.length = 0;
    await assert.rejects(download(`${server.url}/missing.bin`, path.join(dir, 'm.bin'), { backoffMs: 10 }), (err: unknown) => {
      assert.ok(err instanceof DatasetError);
      assert.match(err.message, /cannot download .*missing\.bin: HTTP 404/);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });

  it('gives up after bounded retries when nothing answers', async () => {
    const closed = await startServer();
    const url = `${closed.url}/x.bin`;
    await closed.close();
    const retries: number[] = [];
    await assert.rejects(
      download(url, path.join(dir, 'x.bin'), { retries: 2, backoffMs: 5, onRetry: (r) => retries.push(r.attempt) }),
      (err: unknown) => {
        assert.ok(err instanceof DatasetError);
        assert.match(err.message, /cannot download .*ECONNREFUSED.*gave up after 3 attempts/);
        assert.match(err.message, /hint: .*MMX_DATASETS_BASE_URL/);
        return true;
      },
    );
    assert.deepEqual(retries, [1, 2]);
  });
});
