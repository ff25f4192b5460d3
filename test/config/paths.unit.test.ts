/**
 * Paths in a loaded config do not depend on the working directory: the source map holds absolute file paths,
 * a config carries one base directory (for `--set` values), and paths are made relative only when printed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { loadConfig, resolveConfigPath } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { depthLayout, MANIFEST, numericConfig, write } from '../helpers/depth-layout.js';

const config = numericConfig;
const layout = () => depthLayout('mmx-paths-');

describe('config paths', () => {
  it('the source map holds absolute file paths, also for a file reached through extends', () => {
    const { root, cfgDir, deep } = layout();
    write(path.join(root, 'base', 'base.yaml'), config('../cfg/m.csv'));
    const child = write(path.join(cfgDir, 'x.yaml'), 'extends: ../base/base.yaml\nseed: 3\n');
    const loaded = loadConfig(child, { env: {}, baseDir: deep });
    assert.equal(loaded.baseDir, deep);
    assert.equal(loaded.sources.locate(['seed'])?.file, child);
    assert.equal(loaded.sources.locate(['data', 'path'])?.file, path.join(root, 'base', 'base.yaml'));
    // written in base.yaml: relative to base.yaml's folder, whatever the base directory
    assert.equal(checkSemantics(loaded, {}).dataPath, path.join(cfgDir, 'm.csv'));
  });

  it('a data.path resolves from its file at any base directory depth, and a --set one from the base directory', () => {
    const { root, cfgDir, deep } = layout();
    const file = write(path.join(cfgDir, 'x.yaml'), config('m.csv'));
    for (const baseDir of [path.parse(root).root, root, deep]) {
      assert.equal(checkSemantics(loadConfig(file, { env: {}, baseDir }), {}).dataPath, path.join(cfgDir, 'm.csv'), baseDir);
    }
    // without a base directory: the config file's folder
    assert.equal(loadConfig(file, { env: {} }).baseDir, cfgDir);
    write(path.join(deep, 'other.csv'), MANIFEST);
    const loaded = loadConfig(file, { env: {}, baseDir: deep, overrides: ['data.path=other.csv'] });
    assert.equal(resolveConfigPath(loaded, ['data', 'path'], 'other.csv'), path.join(deep, 'other.csv'));
    assert.equal(checkSemantics(loaded, {}).dataPath, path.join(deep, 'other.csv'));
  });

  it('a relative config path needs a base directory (no implicit working directory)', () => {
    assert.throws(() => loadConfig('x.yaml'), /relative path.*baseDir/);
    assert.throws(() => loadConfig('/x.yaml', { baseDir: 'rel' }), /must be an absolute path/);
  });

  it('errors hold absolute paths and are shown relative only where they are printed', () => {
    const { cfgDir, deep } = layout();
    const file = write(path.join(cfgDir, 'x.yaml'), config('missing.csv'));
    let err: unknown;
    try {
      checkSemantics(loadConfig(file, { env: {}, baseDir: deep }), {});
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues[0]!.file, file);
    assert.match(err.message, new RegExp(`^${file.replace(/[/.\\-]/g, '\\$&')}:3:9: data.path: data file not found`));
    assert.match(err.format(cfgDir), /^x\.yaml:3:9: data\.path: data file not found/);
    assert.match(err.format(deep), /^\.\.\/\.\.\/\.\.\/\.\.\/cfg\/x\.yaml:3:9:/);
  });
});
