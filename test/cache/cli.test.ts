/**
 * The cache from the command line: `mmx run` records a miss then a hit (tag `mmx.cache` and a log line),
 * `--no-cache` neither reads nor writes it, `mmx cache` lists entries and `mmx cache clear` says what it freed.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tmp } from './helpers.js';

describe('mmx run / mmx cache', () => {
  it('miss, hit, --no-cache, list and clear', async () => {
    const dir = tmp();
    avmnistSubset(dir, { train: 3, validation: 1, test: 1 });
    writeFileSync(
      path.join(dir, 'x.yaml'),
      `name: cli-cache
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: classification}
inputs:
  image: {type: image, column: image_path}
  speech: {type: audio, column: audio_path, preprocessing: {n_mels: 20}}
training: {epochs: 1, batch_size: 16}
runtime: {backend: wasm}
`,
    );
    const env = { MMX_CACHE_DIR: path.join(dir, 'cache') };
    const entries = (): string[] =>
      existsSync(path.join(dir, 'cache', 'features')) ? readdirSync(path.join(dir, 'cache', 'features')) : [];
    const run = async (...extra: string[]): Promise<{ log: string; tag: string }> => {
      const r = await runCli(['run', 'x.yaml', '--plain', ...extra], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout + r.stderr;
      const id = /run ([0-9a-f]{32}) FINISHED/.exec(out)?.[1];
      assert.ok(id, out);
      const tag = readFileSync(path.join(dir, 'runs', '0', id, 'tags', 'mmx.cache'), 'utf8');
      return { log: out, tag };
    };

    const off = await run('--no-cache');
    assert.equal(off.tag, 'off');
    assert.deepEqual(entries(), [], '--no-cache writes nothing');
    const miss = await run();
    assert.equal(miss.tag, 'miss');
    assert.match(miss.log, /feature cache: image decoded and stored .*, speech decoded and stored/);
    assert.equal(entries().length, 2);
    const hit = await run();
    assert.equal(hit.tag, 'hit');
    assert.match(hit.log, /feature cache: image hit, speech hit/);
    const offAgain = await run('--no-cache');
    assert.equal(offAgain.tag, 'off', '--no-cache does not read either');

    const list = await runCli(['cache'], { cwd: dir, env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /image \(image 28×28×1\)\s+50/);
    assert.match(list.stdout, /speech \(audio 101×20\)\s+50/);
    assert.match(list.stdout, /2 entries/);
    const json = JSON.parse((await runCli(['cache', '--json'], { cwd: dir, env })).stdout) as { entries: { bytes: number }[] };
    const bytes = json.entries.reduce((a, e) => a + e.bytes, 0);
    const clear = await runCli(['cache', 'clear', '--json'], { cwd: dir, env });
    assert.equal(clear.code, 0, clear.stderr);
    assert.deepEqual(JSON.parse(clear.stdout), { dir: path.join(dir, 'cache', 'features'), files: 2, bytes });
    assert.deepEqual(entries(), []);
    assert.match((await runCli(['cache', 'clear'], { cwd: dir, env })).stdout, /removed 0 entries, freed 0\.0 MB/);
  });
});
