// Where the real data sets for tests and benchmarks are (see the README's Tests section), for `.ci/run` (run as a
// script: prints the folder, or explains and exits 1) and for the tests (test/setup.ts imports `findDataHome`):
//   1. MMX_DATA_HOME, when set;
//   2. else a `shared/data` in the checkout, beside it, or beside one of its ancestors (the workspace layout);
//   3. else, for a clone made from a local folder (`git clone /path/to/mmx x`), the same search from that folder.
// A folder counts when it holds `avmnist/manifest.csv`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = path.join('avmnist', 'manifest.csv');

/** `<dir>/shared/data` for `dir` and each of its ancestors, the first that holds the data sets. */
function sharedDataAbove(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'shared', 'data');
    if (existsSync(path.join(candidate, MARKER))) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

/** The local folder a checkout was cloned from (`remote.origin.url` when it names a folder), else undefined. */
function localOrigin(checkout) {
  let url;
  try {
    url = execFileSync('git', ['-C', checkout, 'config', '--get', 'remote.origin.url'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined; // not a git checkout, no origin, or no git
  }
  if (url === '') return undefined;
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (path.isAbsolute(url)) return url;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) || /^[^/]+@[^/]+:/.test(url)) return undefined; // https:, ssh:, git@host:path
  return path.resolve(checkout, url);
}

/**
 * The data home for a checkout: MMX_DATA_HOME (absolute, or relative to `cwd`) when set, else found as described
 * above; undefined when there is none. `checkout` is the repository's root folder.
 * @param {string} checkout
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string }} [options]
 * @returns {{ dir: string, how: string } | undefined}
 */
export function findDataHome(checkout, options = {}) {
  const env = options.env ?? process.env;
  if (env.MMX_DATA_HOME) return { dir: path.resolve(options.cwd ?? checkout, env.MMX_DATA_HOME), how: 'MMX_DATA_HOME' };
  const seen = new Set();
  for (let dir = checkout, hops = 0; dir !== undefined && hops < 4 && !seen.has(dir); dir = localOrigin(dir), hops++) {
    seen.add(dir);
    const found = sharedDataAbove(dir);
    if (found) return { dir: found, how: hops === 0 ? 'beside the checkout' : `beside ${dir}, the folder this checkout was cloned from` };
    if (!existsSync(dir)) break;
  }
  return undefined;
}

/** What to tell a person when no data home is found. */
export function missingDataMessage(checkout) {
  return (
    `test data not found: set MMX_DATA_HOME to the folder holding avmnist/, fsdd/, ... (see the README's Tests section);` +
    ` no shared/data was found beside ${checkout}, its parent folders, or the local folder it was cloned from`
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const found = findDataHome(checkout, { cwd: process.cwd() });
  if (!found) {
    process.stderr.write(missingDataMessage(checkout) + '\n');
    process.exit(1);
  }
  if (!existsSync(path.join(found.dir, MARKER))) {
    process.stderr.write(`test data not found under MMX_DATA_HOME=${found.dir} (no ${MARKER} there)\n`);
    process.exit(1);
  }
  process.stdout.write(found.dir + '\n');
}
