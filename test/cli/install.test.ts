/**
 * Getting `mmx` on the PATH the ways the README says, from this checkout: `npm install -g .` (here into a
 * prefix of its own) and `npx --no-install mmx` inside the clone. Neither rebuilds a current dist/ (the prepare
 * script is an incremental build), so the first `npx mmx` does not sit in a silent spinner compiling TypeScript.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const npm = 'npm';
const npx = 'npx';
const main = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** npm with a cache of its own (nothing written to the user's), offline: a linked checkout needs no download. */
function run(cmd: string, args: string[], cwd = repoRoot) {
  const env = { ...process.env, npm_config_cache: tempDir('mmx-npm-cache-'), npm_config_update_notifier: 'false' };
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('installing the mmx command', () => {
  let built: number;
  before(() => {
    run(npm, ['run', 'build']); // brings dist/ up to date (a no-op when it is)
    built = statSync(main).mtimeMs;
  });

  it('is the mmx command of a package that is not named mmx (an unrelated package on npm)', () => {
    assert.notEqual(pkg.name, 'mmx');
    assert.deepEqual(Object.keys(pkg.bin), ['mmx']);
  });

  it('npm install -g . puts mmx on the PATH', () => {
    const prefix = tempDir('mmx-prefix-');
    run(npm, ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', repoRoot], tempDir('mmx-cwd-'));
    const bin = path.join(prefix, 'bin', 'mmx');
    assert.equal(run(bin, ['--version'], tempDir('mmx-cwd-')).trim(), pkg.version);
    assert.match(run(bin, ['--help']), /Usage: mmx \[options\] \[command\]/);
  });

  it('npx --no-install mmx runs this checkout without rebuilding a current dist/', () => {
    assert.equal(run(npx, ['--no-install', 'mmx', '--version']).trim(), pkg.version);
    assert.equal(statSync(main).mtimeMs, built, 'dist/cli/main.js was not rewritten');
  });
});
