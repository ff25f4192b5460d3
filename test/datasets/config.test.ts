import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { checkDataColumns, checkSemantics } from '../../src/experiment/semantic.js';
import { DatasetError } from '../../src/datasets/errors.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** the shared copy, found before the tests point MMX_DATA_HOME at an empty folder */
const sharedFsdd = dataPath('fsdd');

const config = (data: string, column = 'audio_path') => `name: t
data: ${data}
target: {column: label}
inputs:
  speech:
    type: audio
    column: ${column}
    preprocessing: {sample_rate: 8000}
`;

describe('data: {dataset: NAME} in a config', () => {
  let dir: string;
  let home: string;
  const saved = process.env.MMX_DATA_HOME;
  before(() => {
    dir = tempDir('mmx-cfg-');
    home = path.join(dir, 'home');
    process.env.MMX_DATA_HOME = home;
  });
  after(() => {
    if (saved === undefined) delete process.env.MMX_DATA_HOME;
    else process.env.MMX_DATA_HOME = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const check = (text: string) => {
    writeFileSync(path.join(dir, 'x.yaml'), text);
    return checkSemantics(loadConfig(path.join(dir, 'x.yaml'), { env: {} }));
  };

  it('path and dataset: exactly one of them', () => {
    assert.throws(() => check(config('{split: {column: split}}')), ConfigError);
    assert.throws(() => check(config('{path: m.csv, dataset: fsdd, split: {column: split}}')), ConfigError);
    assert.throws(() => check(config('{dataset: fsd, split: {column: split}}')), /'fsd' is not allowed \(did you mean 'fsdd'\?\)/);
  });

  it('not prepared yet: no error, columns unchecked, the manifest is read once it is there', () => {
    const checked = check(config('{dataset: fsdd, split: {column: split}}', 'no_such_column'));
    assert.deepEqual(checked.dataset, { name: 'fsdd', dataHome: home, prepared: false });
    assert.equal(checked.dataPath, path.join(home, 'fsdd', 'manifest.csv'));
    assert.throws(
      () => checked.manifest,
      (err: unknown) => err instanceof DatasetError && /data set 'fsdd' is not prepared in/.test(err.message),
    );
    // what ensureDataset does, here by linking the shared copy into the data home
    mkdirSync(home, { recursive: true });
    symlinkSync(sharedFsdd, path.join(home, 'fsdd'));
    assert.throws(() => checkDataColumns(checked), /input 'speech' column 'no_such_column' is not in data set 'fsdd'/);
    assert.equal(checked.manifest.rows.length, 3000);
  });

  it('prepared: the manifest is read and its columns are checked at once', () => {
    const checked = check(config('{dataset: fsdd, split: {column: split}, limit: 10}'));
    assert.equal(checked.dataset?.prepared, true);
    assert.equal(checked.manifest.rows.length, 10);
    assert.throws(
      () => check(config('{dataset: fsdd, split: {column: split}}', 'audio')),
      /column 'audio' is not in data set 'fsdd' \(did you mean 'audio_path'\?\)/,
    );
  });
});
