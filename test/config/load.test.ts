import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { dataHome, repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

function tmpDir(): string {
  return tempDir('mmx-config-');
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

const MANIFEST = 'id,img,wav,label,split\n1,a.png,a.wav,0,train\n2,b.png,b.wav,1,validation\n3,c.png,c.wav,1,test\n';

const BASE = `name: t
data:
  path: data.csv
  split: {column: split}
target: {column: label}
inputs:
  picture:
    type: image
    column: img
  voice:
    type: audio
    column: wav
`;

describe('config loading', () => {
  it('applies schema defaults and derives a typed config', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    const { config } = loadConfig(write(dir, 'x.yaml', BASE), { env: {} });
    assert.equal(config.seed, 42);
    assert.equal(config.training.epochs, 10);
    assert.equal(config.training.optimizer.type, 'adam');
    assert.equal(config.fusion.type, 'concat');
    assert.deepEqual(config.fusion.hidden, [128]);
    const voice = config.inputs.voice!;
    assert.equal(voice.type, 'audio');
    assert.equal(voice.encoder.type, 'cnn1d');
    if (voice.type === 'audio') assert.equal(voice.preprocessing.n_mels, 40);
    assert.equal(config.data.split.train, 'train');
  });

  it('reports unknown keys at file:line:column with a did-you-mean', () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'bad.yaml',
      BASE.replace('    column: img\n', '    column: img\n    encoder: {type: cnn, filtrs: [8]}\n') + 'trainin:\n  epochs: 2\n',
    );
    const issues = issuesOf(() => loadConfig(file, { env: {}, baseDir: dir }));
    const filtrs = issues.find((i) => i.path === 'inputs.picture.encoder.filtrs');
    assert.ok(filtrs, JSON.stringify(issues));
    assert.equal(filtrs.file, path.join(dir, 'bad.yaml'));
    assert.equal(filtrs.line, 10);
    assert.equal(filtrs.column, 26);
    assert.match(filtrs.hint ?? '', /did you mean 'filters'\?/);
    const trainin = issues.find((i) => i.path === 'trainin');
    assert.ok(trainin);
    assert.equal(trainin.line, 14);
    assert.equal(trainin.column, 1);
    assert.match(trainin.hint ?? '', /did you mean 'training'\?/);
  });

  it('suggests enum values and discriminator types', () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'bad.yaml',
      BASE.replace('type: audio', 'type: audoi') +
        'training:\n  optimizer: {type: addam}\nfusion: {type: concatt}\nruntime: {backend: wsam}\n',
    );
    const issues = issuesOf(() => loadConfig(file, { env: {}, baseDir: dir }));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    assert.match(byPath['inputs.voice.type']!.hint!, /'audio'/);
    assert.equal(byPath['inputs.voice.type']!.line, 11);
    assert.match(byPath['training.optimizer.type']!.hint!, /did you mean 'adam'/);
    assert.match(byPath['fusion.type']!.hint!, /did you mean 'concat'/);
    assert.match(byPath['runtime.backend']!.hint!, /did you mean 'wasm'/);
  });

  it('reports wrong types, ranges and missing keys', () => {
    const dir = tmpDir();
    const file = write(dir, 'bad.yaml', BASE.replace('target: {column: label}\n', '') + 'training: {epochs: many, batch_size: 0}\n');
    const issues = issuesOf(() => loadConfig(file, { env: {}, baseDir: dir }));
    const msgs = issues.map((i) => `${i.path}: ${i.message}`);
    assert.ok(msgs.includes("target: missing required key 'target'"), msgs.join('\n'));
    assert.ok(
      msgs.some((m) => m.startsWith("training.epochs: expected a whole number, got the text 'many'")),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => m.startsWith('training.batch_size: must be at least 1, got 0')),
      msgs.join('\n'),
    );
  });

  it('reports YAML syntax errors with a position', () => {
    const dir = tmpDir();
    const file = write(dir, 'bad.yaml', 'name: t\ndata: {path: x.csv\n  split: 3\n');
    const [issue] = issuesOf(() => loadConfig(file, { env: {}, baseDir: dir }));
    assert.ok(issue);
    assert.match(issue.message, /^YAML syntax/);
    assert.equal(issue.file, path.join(dir, 'bad.yaml'));
    assert.ok((issue.line ?? 0) >= 2);
  });

  it('extends: deep merge, child wins, relative to the file, positions from the file that wrote the value', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    write(dir, 'base.yaml', BASE + 'training: {epochs: 7, batch_size: 16}\n');
    const child = write(dir, 'sub/child.yaml', '');
    writeFileSync(child, 'extends: ../base.yaml\nname: child\ntraining: {epochs: 2, optimizer: {learning_rate: 0.01, typo: 1}}\n');
    const issues = issuesOf(() => loadConfig(child, { env: {}, baseDir: dir }));
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.file, path.join(dir, 'sub', 'child.yaml'));
    assert.equal(issues[0]!.line, 3);
    writeFileSync(child, 'extends: ../base.yaml\nname: child\ntraining: {epochs: 2, optimizer: {learning_rate: 0.01}}\n');
    const loaded = loadConfig(child, { env: {}, baseDir: dir });
    assert.equal(loaded.config.name, 'child');
    assert.equal(loaded.config.training.epochs, 2);
    assert.equal(loaded.config.training.batch_size, 16);
    assert.equal(loaded.config.training.optimizer.learning_rate, 0.01);
    // data.path was written in base.yaml: it resolves from base.yaml's folder
    const checked = checkSemantics(loaded);
    assert.equal(checked.dataPath, path.join(dir, 'data.csv'));
  });

  it('extends: cycles are rejected', () => {
    const dir = tmpDir();
    write(dir, 'a.yaml', 'extends: b.yaml\nname: a\n');
    write(dir, 'b.yaml', 'extends: a.yaml\nname: b\n');
    const issues = issuesOf(() => loadConfig(path.join(dir, 'a.yaml'), { env: {}, baseDir: dir }));
    assert.match(issues[0]!.message, /extends cycle: a\.yaml → b\.yaml → a\.yaml/);
  });

  it('--set overrides parse YAML values and are validated like the file', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    const file = write(dir, 'x.yaml', BASE);
    const { config } = loadConfig(file, {
      env: {},
      overrides: ['training.epochs=3', 'inputs.picture.encoder={type: cnn, filters: [4, 8]}', 'fusion.hidden=[]', 'name=override'],
    });
    assert.equal(config.training.epochs, 3);
    assert.deepEqual((config.inputs.picture!.encoder as { filters?: number[] }).filters, [4, 8]);
    assert.deepEqual(config.fusion.hidden, []);
    assert.equal(config.name, 'override');
    const issues = issuesOf(() => loadConfig(file, { env: {}, overrides: ['training.epohcs=3'] }));
    assert.equal(issues[0]!.path, 'training.epohcs');
    assert.match(issues[0]!.file, /^--set training\.epohcs=3/);
    assert.match(issues[0]!.hint!, /did you mean 'epochs'/);
    assert.throws(() => loadConfig(file, { env: {}, overrides: ['training.epochs'] }), /missing "="/);
  });

  it('interpolates ${VAR} and ${VAR:-default}, and reports unset variables', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    const file = write(
      dir,
      'x.yaml',
      BASE.replace('path: data.csv', 'path: ${HOME_X:-.}/data.csv').replace('name: t', 'name: ${RUN_NAME}'),
    );
    assert.equal(loadConfig(file, { env: { RUN_NAME: 'r1' } }).config.name, 'r1');
    assert.equal(loadConfig(file, { env: { RUN_NAME: 'r1' } }).config.data.path, './data.csv');
    assert.equal(loadConfig(file, { env: { RUN_NAME: 'r', HOME_X: '/d' } }).config.data.path, '/d/data.csv');
    const issues = issuesOf(() => loadConfig(file, { env: {}, baseDir: dir }));
    assert.equal(issues[0]!.line, 1);
    assert.match(issues[0]!.message, /RUN_NAME is not set/);
  });
});

describe('semantic checks', () => {
  it('names missing columns with a did-you-mean, a missing data file, and an unknown monitor', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    const file = write(
      dir,
      'x.yaml',
      BASE.replace('column: img', 'column: imgs').replace('target: {column: label}', 'target: {column: lable}') +
        'training:\n  early_stopping: {monitor: val_acc}\n',
    );
    const issues = issuesOf(() => checkSemantics(loadConfig(file, { env: {}, baseDir: dir })));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    assert.match(byPath['inputs.picture.column']!.hint!, /did you mean 'img'/);
    assert.equal(byPath['inputs.picture.column']!.line, 9);
    assert.match(byPath['target.column']!.hint!, /did you mean 'label'/);
    assert.match(byPath['training.early_stopping.monitor']!.hint!, /did you mean 'val_accuracy'/);

    const missing = write(dir, 'y.yaml', BASE.replace('path: data.csv', 'path: nope.csv'));
    const [m] = issuesOf(() => checkSemantics(loadConfig(missing, { env: {}, baseDir: dir })));
    assert.equal(m!.path, 'data.path');
    assert.match(m!.message, /data file not found/);
  });

  it('runtime.stream: always with the cache off is reported before any work, at the stream line', () => {
    const dir = tmpDir();
    write(dir, 'data.csv', MANIFEST);
    const file = write(dir, 'x.yaml', BASE + 'runtime:\n  cache: false\n  stream: always\n');
    const [issue, ...rest] = issuesOf(() => checkSemantics(loadConfig(file, { env: {}, baseDir: dir })));
    assert.equal(rest.length, 0);
    assert.equal(issue!.path, 'runtime.stream');
    assert.match(issue!.message, /feature cache, which is off/);
    assert.equal(issue!.line, BASE.split('\n').length + 2);
    // auto with the cache off simply trains from memory
    const ok = write(dir, 'y.yaml', BASE + 'runtime:\n  cache: false\n  stream: auto\n');
    checkSemantics(loadConfig(ok, { env: {}, baseDir: dir }));
  });

  it('accepts the shipped example against the real data', () => {
    const loaded = loadConfig(path.join(repoRoot, 'configs', 'avmnist.yaml'), { env: { MMX_DATA_HOME: dataHome() } });
    const checked = checkSemantics(loaded, { MMX_DATA_HOME: dataHome() });
    assert.equal(checked.manifest.rows.length, 3000);
    assert.ok(checked.manifest.columns.includes('audio_path'));
  });
});
