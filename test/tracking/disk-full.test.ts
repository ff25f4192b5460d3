/**
 * A full disk (ENOSPC) under the tracking store, on a real tmpfs of a few megabytes: the run ends FAILED with one
 * message naming the file and the cause (exit 1, no stack), and the status is written even when not one free block
 * is left (into meta.yaml's own blocks). Skipped where a tmpfs cannot be mounted (not root).
 */
import assert from 'node:assert/strict';
import { openSync, readdirSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DiskWriteError } from '../../src/io/disk-errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { runCli } from '../helpers/cli.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { tempDir } from '../helpers/tmp.js';

/** Writes zeros into `file` until the disk is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  // the last partial blocks too
  const fd2 = openSync(file + '.tail', 'w');
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512));
  } catch {
    /* full */
  } finally {
    closeSync(fd2);
  }
}

describe('a full disk under the tracking store', () => {
  it('the run is ended FAILED in meta.yaml even with no free block left; writes name the file and the cause', async (t) => {
    const m = mountTmpfs(1024);
    if ('skip' in m) return t.skip(m.skip);
    const store = new FileStore(path.join(m.dir, 'runs'));
    const exp = await store.getOrCreateExperiment('full');
    const run = await store.createRun(exp, { runName: 'r' });
    await store.logMetrics(run.runId, [{ key: 'loss', value: 1, timestamp: Date.now(), step: 1 }]);
    fill(path.join(m.dir, 'filler'));
    await assert.rejects(store.setTags(run.runId, { 'a.new.tag': 'x'.repeat(100) }), (err: unknown) => {
      assert.ok(err instanceof DiskWriteError, String(err));
      assert.equal(err.code, 'ENOSPC');
      assert.match(err.message, /^cannot write .*tags.a\.new\.tag: no space left on the device \(ENOSPC\); free some space there$/);
      return true;
    });
    await store.endRun(run.runId, 'FAILED');
    assert.equal((await store.getRun(run.runId)).status, 'FAILED');
    // and synchronously (a second Ctrl-C on a full disk)
    const run2Dir = path.join(m.dir, 'runs', exp);
    assert.ok(readdirSync(run2Dir).includes(run.runId));
    store.endRunSync(run.runId, 'KILLED');
    assert.equal((await store.getRun(run.runId)).status, 'KILLED');
  });

  it('mmx run: a model that does not fit ends the run FAILED, naming weights.bin and ENOSPC', { timeout: 200_000 }, async (t) => {
    const m = mountTmpfs(2048);
    if ('skip' in m) return t.skip(m.skip);
    const dir = tempDir('mmx-disk-full-');
    const rows = ['a,b,label,split'];
    for (let i = 0; i < 120; i++)
      rows.push(`${(i % 7) / 7},${(i % 5) / 5},c${i % 3},${i < 80 ? 'train' : i < 100 ? 'validation' : 'test'}`);
    writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
    // ~530,000 parameters: a 2 MB weights.bin on a 2 MB disk
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: full
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [1024, 512], output_dim: 8}}
training: {epochs: 1, batch_size: 32}
tracking: {uri: '${path.join(m.dir, 'runs')}', experiment: full}
`,
    );
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, timeoutMs: 180_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.match(r.stderr, /^error: cannot write \S+\/artifacts\/model\/weights\.bin: no space left on the device \(ENOSPC\)/m);
    const expDir = readdirSync(path.join(m.dir, 'runs')).find((d) => /^\d{6,}$/.test(d))!;
    const runId = readdirSync(path.join(m.dir, 'runs', expDir)).find((d) => /^[0-9a-f]{32}$/.test(d))!;
    const meta = readFileSync(path.join(m.dir, 'runs', expDir, runId, 'meta.yaml'), 'utf8');
    assert.match(meta, /^status: 4$/m, 'FAILED');
  });
});
