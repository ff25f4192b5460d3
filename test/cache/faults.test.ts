/**
 * The feature cache is an optimisation, and it fails like one: a cache folder that cannot be written (a file
 * where the folder should be) is one warning and the run goes on without it; a temp file left by a writer that was
 * SIGKILLed is removed at the next start (only a dead writer's: a live one, or another host's recent one, stays);
 * features over runtime.memory_budget_mb held in memory because the cache is off are warned about.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hostTag } from '../../src/data/cache/entry.js';
import { FeatureCache } from '../../src/data/cache/store.js';
import { runCli } from '../helpers/cli.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tempDir } from '../helpers/tmp.js';

const imageYaml = (manifest: string) => `name: cache-faults
data: {path: ${JSON.stringify(manifest)}, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path, preprocessing: {height: 28, width: 28, channels: 1}, encoder: {type: mlp, layers: [16], output_dim: 8}}
training: {epochs: 1, batch_size: 32}
tracking: {uri: runs, experiment: cache-faults}
`;

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const tag = (artifactDir: string, name: string) => readFileSync(path.join(artifactDir, '..', 'tags', name), 'utf8');

describe('feature cache faults', () => {
  it('a file where the cache folder should be: one warning, and the run finishes without the cache', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-cache-blocked-');
    const manifest = avmnistSubset(dir, { train: 3, validation: 1, test: 1 });
    writeFileSync(path.join(dir, 'exp.yaml'), imageYaml(manifest));
    writeFileSync(path.join(dir, 'not-a-folder'), 'x');
    const r = await runCli(['run', 'exp.yaml', '--json'], {
      cwd: dir,
      env: { MMX_CACHE_DIR: path.join(dir, 'not-a-folder') },
      timeoutMs: 180_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.match(
      /feature cache: cannot use \S+not-a-folder\/features \(a file is where the folder should be\); this run decodes its inputs without the cache/g,
    );
    assert.equal(warnings?.length, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as { status: string; artifact_dir: string };
    assert.equal(summary.status, 'FINISHED');
    assert.equal(tag(summary.artifact_dir, 'mmx.cache'), 'off');
  });

  it('the temp file of a SIGKILLed writer is removed at the next start', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-cache-stale-');
    const cacheDir = path.join(dir, 'cache');
    const features = path.join(cacheDir, 'features');
    mkdirSync(features, { recursive: true });
    const stale = path.join(features, `0123abcd.mmxf.tmp-${hostTag()}-${deadPid()}-k1ll3d00`);
    writeFileSync(stale, Buffer.alloc(1 << 20));
    const manifest = avmnistSubset(dir, { train: 3, validation: 1, test: 1 });
    writeFileSync(path.join(dir, 'exp.yaml'), imageYaml(manifest));
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, env: { MMX_CACHE_DIR: cacheDir }, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(stale), 'the dead writer’s temp file is gone');
    assert.ok(
      readdirSync(features).some((f) => f.endsWith('.mmxf')),
      'the run wrote its entry',
    );
  });

  it('sweepStale removes only dead writers’ temp files', () => {
    const dir = tempDir('mmx-cache-sweep-');
    const cache = new FeatureCache(dir);
    const now = Date.now();
    const old = new Date(now - 2 * 3600 * 1000);
    const files = {
      deadHere: `a.mmxf.tmp-${hostTag()}-${deadPid()}-aaaa1111`,
      liveHere: `b.mmxf.tmp-${hostTag()}-${process.pid}-bbbb2222`,
      otherHostRecent: `c.mmxf.tmp-elsewhere.example-${process.pid}-cccc3333`,
      otherHostOld: `d.mmxf.tmp-elsewhere.example-12345-dddd4444`,
      oldFormatRecent: `e.mmxf.tmp-${deadPid()}-eeee5555`,
      oldFormatOld: `f.mmxf.tmp-${deadPid()}-ffff6666`,
      entry: 'g.mmxf',
    };
    for (const f of Object.values(files)) writeFileSync(path.join(dir, f), 'x');
    for (const f of [files.otherHostOld, files.oldFormatOld]) utimesSync(path.join(dir, f), old, old);
    assert.equal(cache.sweepStale(now), 3);
    assert.deepEqual(readdirSync(dir).sort(), [files.liveHere, files.otherHostRecent, files.oldFormatRecent, files.entry].sort());
  });

  it('with --no-cache, features over runtime.memory_budget_mb are warned about', { timeout: 120_000 }, async () => {
    const dir = tempDir('mmx-cache-budget-');
    const rows = ['a,b,label,split'];
    for (let i = 0; i < 200; i++) rows.push(`${i / 200},${(i % 7) / 7},c${i % 2},${i < 150 ? 'train' : i < 175 ? 'validation' : 'test'}`);
    writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: budget
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b]}
training: {epochs: 1}
runtime: {memory_budget_mb: 0.0005}
tracking: {uri: runs, experiment: budget}
`,
    );
    const r = await runCli(['run', 'exp.yaml', '--plain', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: the features take [\d.]+ kB, more than runtime\.memory_budget_mb allows \(524 bytes\), and are held in memory: without the feature cache \(--no-cache/,
    );
  });
});
