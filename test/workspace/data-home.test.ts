/**
 * Where the tests (and .ci/run) find the real data sets when MMX_DATA_HOME is unset: a shared/data beside the
 * checkout or one of its parent folders, else beside the local folder it was cloned from (scripts/data-home.mjs).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findDataHome } from '../../scripts/data-home.mjs';
import { dataHome, repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** A fake data home: the marker file is all the search looks at. */
function fakeData(dir: string): string {
  const data = path.join(dir, 'shared', 'data');
  mkdirSync(path.join(data, 'avmnist'), { recursive: true });
  writeFileSync(path.join(data, 'avmnist', 'manifest.csv'), 'id\n');
  return data;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });

/** Without MMX_DATA_HOME in its environment. */
const envWithout = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.MMX_DATA_HOME;
  return env;
};

/** Whether the temp folder itself lies under a folder with shared/data (TMPDIR inside a workspace). */
const tempInWorkspace = (): boolean => findDataHome(tempDir('mmx-ws-'), { env: {} }) !== undefined;

describe('finding the test data', () => {
  const inWorkspace = tempInWorkspace() && 'the temp folder lies under a shared/data, which a clone there finds first';

  it('MMX_DATA_HOME first (a relative one against the folder given); else shared/data beside the checkout or above it', () => {
    const ws = tempDir('mmx-ws-');
    const data = fakeData(ws);
    const beside = path.join(ws, 'mmx');
    const deeper = path.join(ws, 'a', 'b', 'c', 'mmx');
    mkdirSync(beside);
    mkdirSync(deeper, { recursive: true });
    assert.equal(findDataHome(beside, { env: {} })?.dir, data);
    assert.equal(findDataHome(deeper, { env: {} })?.dir, data);
    assert.deepEqual(findDataHome(deeper, { env: { MMX_DATA_HOME: 'd' }, cwd: '/x' }), { dir: '/x/d', how: 'MMX_DATA_HOME' });
    // nothing around a folder of its own (unless the temp folder itself sits in a workspace with shared data)
    const lonely = path.join(tempDir('mmx-ws-'), 'lonely');
    if (!inWorkspace) assert.equal(findDataHome(lonely, { env: {} }), undefined);
  });

  it('a clone of a local folder, at another depth: beside the folder it was cloned from', { skip: inWorkspace }, () => {
    const ws = tempDir('mmx-ws-');
    const data = fakeData(ws);
    const origin = path.join(ws, 'mmx');
    mkdirSync(origin);
    writeFileSync(path.join(origin, 'README.md'), 'x\n');
    git(origin, 'init', '-q');
    git(origin, 'add', '.');
    git(origin, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'x');
    const elsewhere = tempDir('mmx-clone-');
    const clone = path.join(elsewhere, 'a', 'b', 'c', 'x');
    git(elsewhere, 'clone', '-q', origin, clone);
    const found = findDataHome(clone, { env: {} });
    assert.equal(found?.dir, data);
    assert.match(found!.how, /cloned from/);
    // and a clone of that clone
    const again = path.join(tempDir('mmx-clone-'), 'y');
    git(elsewhere, 'clone', '-q', clone, again);
    assert.equal(findDataHome(again, { env: {} })?.dir, data);
  });

  it('as a script (.ci/run): prints the folder, or says what to do and exits 1', () => {
    const ok = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'data-home.mjs')], { env: envWithout(), encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), dataHome());
    const lonely = path.join(tempDir('mmx-ws-'), 'mmx');
    mkdirSync(path.join(lonely, 'scripts'), { recursive: true });
    copyFileSync(path.join(repoRoot, 'scripts', 'data-home.mjs'), path.join(lonely, 'scripts', 'data-home.mjs'));
    const none = spawnSync(process.execPath, [path.join(lonely, 'scripts', 'data-home.mjs')], { env: envWithout(), encoding: 'utf8' });
    if (!inWorkspace) {
      assert.equal(none.status, 1);
      assert.match(none.stderr, /test data not found: set MMX_DATA_HOME/);
    }
  });

  it('every test process and its children get MMX_DATA_HOME: the one found, or the given one made absolute', () => {
    const printEnv = (env: NodeJS.ProcessEnv, cwd: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          import.meta.resolve('tsx'),
          '--import',
          path.join(repoRoot, 'test', 'setup.ts'),
          '-e',
          'console.log(process.env.MMX_DATA_HOME)',
        ],
        { env, cwd, encoding: 'utf8' },
      );
    const found = printEnv(envWithout(), tempDir('mmx-cwd-'));
    assert.equal(found.status, 0, found.stderr);
    assert.equal(found.stdout.trim(), dataHome());
    const cwd = tempDir('mmx-cwd-');
    const given = printEnv({ ...envWithout(), MMX_DATA_HOME: 'rel/data' }, cwd);
    assert.equal(given.stdout.trim(), path.join(cwd, 'rel', 'data'));
  });
});
