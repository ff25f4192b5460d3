/**
 * A tracking folder that cannot be written is found before any work: `mmx run` and `mmx validate` say so at
 * tracking.uri (exit 2, one message, no run, no data loaded) — on a read-only tmpfs (skipped where one cannot be
 * mounted) and with a file where the folder should be (anywhere).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { storeWriteProblem } from '../../src/tracking/writable.js';
import { runCli } from '../helpers/cli.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { tempDir } from '../helpers/tmp.js';

function experiment(dir: string, uri: string): void {
  const rows = ['a,label,split'];
  for (let i = 0; i < 30; i++) rows.push(`${i / 30},c${i % 2},${i < 20 ? 'train' : i < 25 ? 'validation' : 'test'}`);
  writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: ro
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a}
training: {epochs: 1}
tracking: {${uri ? `uri: '${uri}', ` : ''}experiment: ro}
`,
  );
}

describe('a tracking folder that cannot be written', () => {
  it('read-only file system: mmx run and validate exit 2 naming the folder, before any work', { timeout: 120_000 }, async (t) => {
    const m = mountTmpfs(64, { readOnly: true });
    if ('skip' in m) return t.skip(m.skip);
    const dir = tempDir('mmx-ro-store-');
    experiment(dir, path.join(m.dir, 'runs'));
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /exp\.yaml:7:\d+: tracking\.uri: the tracking folder \S+\/runs is not writable: \S+, where it would be created, is on a read-only file system \(EROFS\)/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
    assert.doesNotMatch(r.stdout, /\[loading\]/, 'no data loaded');
    const v = await runCli(['validate', 'exp.yaml'], { cwd: dir });
    assert.equal(v.code, 2);
    assert.match(v.stderr, /tracking\.uri: the tracking folder .* is not writable/);
  });

  it('a file where the folder should be (MLFLOW_TRACKING_URI)', { timeout: 120_000 }, async () => {
    const dir = tempDir('mmx-file-store-');
    writeFileSync(path.join(dir, 'blocker'), 'not a folder');
    experiment(dir, '');
    const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, env: { MLFLOW_TRACKING_URI: path.join(dir, 'blocker', 'runs') } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /tracking\.uri: the tracking folder \S+blocker\/runs \(named by MLFLOW_TRACKING_URI\) is not writable: \S+blocker is a file, not a folder/,
    );
    assert.ok(!existsSync(path.join(dir, 'runs')));
  });

  it('a writable folder, existing or not, passes (and nothing is left behind)', () => {
    const dir = tempDir('mmx-ok-store-');
    assert.equal(storeWriteProblem(path.join(dir, 'a', 'b')), undefined);
    assert.equal(storeWriteProblem(dir), undefined);
    assert.ok(!existsSync(path.join(dir, 'a')));
  });
});
