/**
 * Loaded into every test process (`--import ./test/setup.ts` in `npm test`), before the test file:
 *
 * - Data: MMX_DATA_HOME, made absolute (a relative value is relative to the folder `npm test` ran in), or, when
 *   unset, the data sets found beside the checkout (scripts/data-home.mjs). Set in the environment, so the code
 *   under test and every child process it starts read the same folder as the test helpers.
 * - Temp files: each test file's process gets a TMPDIR of its own, inherited by the processes
 *   its tests start. It must be empty when the process exits (tsx's transform cache aside): whatever a test, or
 *   the product code it ran, left there is named on stderr and fails the test file; then the folder is removed.
 *   So a leak shows up in the file that caused it. Folders made with test/helpers/tmp.ts's tempDir() are removed
 *   first.
 * - Feature cache: a folder of its own inside that TMPDIR (MMX_CACHE_DIR), so tests neither write to the user's
 *   ~/.cache/mmx nor see each other's entries. A test that needs a particular cache folder sets MMX_CACHE_DIR
 *   itself; child processes it starts inherit the value.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { absolutizeFolderVariables } from '../src/env-folders.js';
import { findDataHome } from '../scripts/data-home.mjs';
import { repoRoot } from './helpers/data.js';
import { removeTempDirs } from './helpers/tmp.js';

// the test command's edge, as the CLI's: relative folder variables are relative to where it was typed
absolutizeFolderVariables(process.env, process.cwd());
if (!process.env.MMX_DATA_HOME) {
  const found = findDataHome(repoRoot);
  if (found) process.env.MMX_DATA_HOME = found.dir;
}

// The first process of a test file (or one started on its own) owns a temp folder; a process it starts with this
// file imported (a sweep trial) keeps what it inherited, so what that one leaves shows up in its test file's
// folder, and killing it leaves nothing behind.
if (!process.env.MMX_TEST_TMP_OWNER) {
  process.env.MMX_TEST_TMP_OWNER = String(process.pid);
  ownTempFolder(process.env.NODE_TEST_CONTEXT ? path.basename(process.argv[1] ?? 'test').replace(/[^A-Za-z0-9.-]/g, '_') : 'process');
}

function ownTempFolder(label: string): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `mmx-test-${label}-`));
  process.env.TMPDIR = tmp;
  const cache = path.join(tmp, '.feature-cache');
  mkdirSync(cache);
  process.env.MMX_CACHE_DIR = cache;
  /** Left in the folder by tsx in child processes (its transform cache): expected, not a leak. */
  const expected = (name: string): boolean => name === '.feature-cache' || name.startsWith('tsx-');
  process.on('exit', () => {
    removeTempDirs(); // the tests' own folders (test/helpers/tmp.ts): anything else left is a leak
    let left: string[] = [];
    try {
      left = readdirSync(tmp).filter((n) => !expected(n));
    } catch {
      /* already gone */
    }
    if (left.length > 0) {
      process.stderr.write(
        `test temp folder not cleaned up by ${label}: ${left.join(', ')} left in ${tmp} (a test or the code it ran created them and did not remove them)\n`,
      );
      process.exitCode = 1;
    }
    rmSync(tmp, { recursive: true, force: true });
  });
}
