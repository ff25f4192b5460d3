/**
 * Tests leave nothing in the temp folder: every test process runs in a TMPDIR of its own (test/setup.ts) that
 * must be empty at exit, apart from the folders made with test/helpers/tmp.ts's tempDir(), which are removed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

function runTestFile(fixture: string) {
  const tmp = tempDir('mmx-temp-check-');
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child of this one,
  delete env.MMX_TEST_TMP_OWNER; // whose test files own their temp folders
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--import', path.join(repoRoot, 'test', 'setup.ts'), '--test', '--test-reporter=tap', fixture],
    { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 },
  );
  return { ...r, left: readdirSync(tmp).filter((n) => !n.startsWith('tsx-')) };
}

describe('temp folders of tests', () => {
  it('a folder left behind fails the test file and is named', () => {
    const r = runTestFile(path.join('test', 'workspace', 'fixtures', 'leaks-a-folder.ts'));
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /test temp folder not cleaned up by leaks-a-folder\.ts: mmx-forgotten-\w+ left in/);
    assert.deepEqual(r.left, [], 'and the folder is removed all the same');
  });

  it('folders made with tempDir() are removed, and the file passes', () => {
    const r = runTestFile(path.join('test', 'workspace', 'fixtures', 'cleans-up.ts'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.left, []);
  });
});
