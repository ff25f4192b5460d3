/**
 * Hostile and odd configs: each case is a clear ConfigError with a position (file:line:column, or the `--set` flag),
 * never a hang, a stack trace, a polluted prototype or a raw validator message.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { formatKeyPath, parseKeyPath, parseOverride } from '../../src/config/overrides.js';
import { MAX_ALIAS_VALUES } from '../../src/config/yaml-source.js';
import { tempDir } from '../helpers/tmp.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = tempDir('mmx-hostile-');
  dirs.push(d);
  return d;
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

const BASE = `name: t
data:
  path: data.csv
  split: {column: split}
target: {column: label}
inputs:
  picture:
    type: image
    column: img
  stats:
    type: numeric
    column: a
    columns: [b, c]
`;

/** Loads `text` (as x.yaml in a fresh folder), with `overrides`; returns the issues. */
function problems(text: string, overrides: string[] = [], env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  const dir = tmpDir();
  return issuesOf(() => loadConfig(write(dir, 'x.yaml', text), { env, baseDir: dir, overrides }));
}

const load = (text: string, overrides: string[] = [], env: NodeJS.ProcessEnv = {}) => {
  const dir = tmpDir();
  return loadConfig(write(dir, 'x.yaml', text), { env, baseDir: dir, overrides });
};

describe('YAML: alias bombs, duplicate keys, recursive aliases', () => {
  it('an alias bomb is one issue at the alias that passes the limit (not "Excessive alias count")', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const started = Date.now();
    const issues = problems(BASE + lines.join('\n') + '\n');
    assert.ok(Date.now() - started < 20_000);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    const [bomb] = issues;
    assert.equal(path.basename(bomb!.file), 'x.yaml');
    assert.ok(path.isAbsolute(bomb!.file));
    assert.ok(bomb!.line! > BASE.split('\n').length, `line ${bomb!.line}`);
    assert.ok(bomb!.column! > 1);
    assert.match(bomb!.message, new RegExp(`aliases expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values`));
    assert.doesNotMatch(bomb!.message, /Excessive alias count/);
  });

  it('aliases a config really uses still work, as copies (an override of one place leaves the other)', () => {
    const text =
      BASE.replace('    column: img\n', '    column: img\n    encoder: &enc {type: cnn, filters: [8]}\n') +
      '  picture2:\n    type: image\n    column: img\n    encoder: *enc\n';
    const { config } = load(text, ['inputs.picture.encoder.filters=[4]']);
    assert.deepEqual((config.inputs.picture!.encoder as { filters: number[] }).filters, [4]);
    assert.deepEqual((config.inputs.picture2!.encoder as { filters: number[] }).filters, [8]);
  });

  it('a duplicate key names the key and both positions', () => {
    const issues = problems('name: t\nseed: 1\nseed: 2\n' + BASE.replace('name: t\n', ''));
    const dup = issues.find((i) => i.path === 'seed');
    assert.ok(dup, JSON.stringify(issues));
    assert.equal(dup.line, 3);
    assert.equal(dup.column, 1);
    assert.match(dup.message, /'seed' is defined twice \(first at 2:1\)/);
    // nested, in a flow map
    const nested = problems(BASE + 'training: {epochs: 1, epochs: 2}\n');
    assert.match(nested[0]!.message, /'epochs' is defined twice \(first at \d+:12\)/);
    assert.equal(nested[0]!.path, 'training.epochs');
  });

  it('an alias inside the value it names is refused (no endless structure)', () => {
    const issues = problems(BASE + 'description: &d [1, *d]\n');
    assert.match(issues[0]!.message, /inside the value it names/);
    assert.equal(issues[0]!.line, BASE.split('\n').length);
  });
});

describe('only regular files are read, up to 1 MB', () => {
  const fifoSupported = process.platform !== 'win32';

  it('extends: /dev/zero is refused at once, at the extends line', { timeout: 20_000 }, () => {
    const issues = problems('extends: /dev/zero\n' + BASE);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.line, 1);
    assert.equal(issues[0]!.column, 10);
    assert.match(issues[0]!.message, /cannot read config: is a character device, not a regular file: \/dev\/zero/);
  });

  it('extends: a FIFO without a writer does not hang', { timeout: 20_000, skip: !fifoSupported }, () => {
    const dir = tmpDir();
    const fifo = path.join(dir, 'parent.yaml');
    execFileSync('mkfifo', [fifo]);
    const issues = issuesOf(() => loadConfig(write(dir, 'x.yaml', 'extends: parent.yaml\n' + BASE), { env: {}, baseDir: dir }));
    assert.match(issues[0]!.message, /FIFO \(named pipe\), not a regular file/);
    // the top config itself
    const top = issuesOf(() => loadConfig(fifo, { env: {}, baseDir: dir }));
    assert.match(top[0]!.message, /cannot read config: is a FIFO/);
  });

  it('a directory, and a file over 1 MB', () => {
    const dir = tmpDir();
    mkdirSync(path.join(dir, 'base.yaml'));
    const d = issuesOf(() => loadConfig(write(dir, 'x.yaml', 'extends: base.yaml\n' + BASE), { env: {}, baseDir: dir }));
    assert.match(d[0]!.message, /is a directory, not a regular file/);
    write(dir, 'big.yaml', BASE + `description: "${'x'.repeat(1_100_000)}"\n`);
    const big = issuesOf(() => loadConfig(write(dir, 'y.yaml', 'extends: big.yaml\n' + BASE), { env: {}, baseDir: dir }));
    assert.match(big[0]!.message, /is 1\.1 MB, over the limit of 1 MB/);
    assert.match(big[0]!.hint!, /at most 1 MB/);
  });
});

describe('__proto__, constructor, prototype are refused by name', () => {
  it('as a YAML key, anywhere', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const issues = problems(BASE + `tracking:\n  tags:\n    ${key}: x\n`);
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0]!.path, `tracking.tags.${key}`);
      assert.equal(issues[0]!.line, BASE.split('\n').length + 2);
      assert.match(issues[0]!.message, new RegExp(`'${key}' cannot be used as a key`));
    }
  });

  it('as an input name', () => {
    const issues = problems(BASE + '  constructor:\n    type: numeric\n    columns: [a]\n');
    assert.equal(issues[0]!.path, 'inputs.constructor');
    assert.match(issues[0]!.message, /'constructor' cannot be used as a key/);
  });

  it('as a --set path segment, and nothing reaches Object.prototype', () => {
    for (const flag of [
      '__proto__.polluted=1',
      'inputs.__proto__.x=1',
      'training.constructor.prototype.polluted=1',
      'a["__proto__"].b=1',
    ]) {
      const issues = problems(BASE, [flag]);
      assert.equal(issues.length, 1, `${flag}: ${JSON.stringify(issues)}`);
      assert.equal(issues[0]!.file, `--set ${flag}`);
      assert.match(issues[0]!.message, /cannot be used as a key/);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // a value holding such a key is refused too
    const inValue = problems(BASE, ['fusion={__proto__: {polluted: 1}}']);
    assert.match(inValue[0]!.message, /'__proto__' cannot be used as a key/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('config sections are built without a prototype', () => {
    const { merged } = load(BASE, ['training.epochs=2']);
    assert.equal(Object.getPrototypeOf(merged), null);
    assert.equal(Object.getPrototypeOf(merged.inputs), null);
    assert.equal(Object.getPrototypeOf(merged.training), null);
  });
});

describe('numbers: NaN and infinity', () => {
  it('.nan and .inf say they are not allowed (not "expected number, got number null")', () => {
    const issues = problems(BASE + 'training:\n  optimizer: {learning_rate: .nan}\n  epochs: .inf\n');
    const lr = issues.find((i) => i.path === 'training.optimizer.learning_rate');
    const epochs = issues.find((i) => i.path === 'training.epochs');
    assert.match(lr!.message, /^NaN \(\.nan\) is not allowed: expected a number$/);
    assert.match(epochs!.message, /^infinity \(\.inf\) is not allowed: expected a whole number$/);
    assert.match(lr!.hint!, /finite/);
    const set = problems(BASE, ['training.optimizer.learning_rate=-.inf']);
    assert.match(set[0]!.message, /-infinity \(\.inf\) is not allowed/);
  });
});

describe('${VAR} interpolation is typed like a YAML scalar', () => {
  it('a whole-scalar interpolation in a number field is a number', () => {
    const { config } = load(BASE + 'training:\n  epochs: "${EPOCHS:-2}"\n  batch_size: ${BS}\nseed: ${SEED:-7}\n', [], { BS: '16' });
    assert.equal(config.training.epochs, 2);
    assert.equal(config.training.batch_size, 16);
    assert.equal(config.seed, 7);
    const flag = load(BASE + 'runtime:\n  cache: ${CACHE:-false}\n').config.runtime.cache;
    assert.equal(flag, false);
  });

  it('where the schema wants text, the value stays the text written', () => {
    const { config, merged } = load(BASE.replace('name: t', 'name: ${RUN}') + 'tracking: {tags: {commit: "${SHA}"}}\n', [], {
      RUN: '123',
      SHA: '1e5',
    });
    assert.equal(config.name, '123');
    assert.equal(config.tracking.tags.commit, '1e5');
    assert.equal(merged.name, '123');
  });

  it('text around the interpolation keeps it a string; a non-number in a number field is still an error', () => {
    const issues = problems(BASE + 'training: {epochs: "${E:-2}0x"}\n');
    assert.match(issues[0]!.message, /expected a whole number, got the text '20x'/);
    const typed = problems(BASE + 'training:\n  epochs: ${E}\n', [], { E: 'many' });
    assert.match(typed[0]!.message, /expected a whole number, got the text 'many'/);
  });
});

describe('--set: quoting, list indexes, and errors that name the flag', () => {
  it('parses quoted keys, indexes and escapes', () => {
    assert.deepEqual(parseOverride('sweep.parameters["fusion.type"].values=[concat, gated]').path, [
      'sweep',
      'parameters',
      'fusion.type',
      'values',
    ]);
    assert.deepEqual(parseOverride("tracking.tags['team name']=vision").path, ['tracking', 'tags', 'team name']);
    assert.deepEqual(parseOverride('a["x\\"y"]=1').path, ['a', 'x"y']);
    assert.deepEqual(parseOverride('inputs.stats.columns[1]=c').path, ['inputs', 'stats', 'columns', 1]);
    assert.deepEqual(parseOverride('inputs.stats.columns.1=c').path, ['inputs', 'stats', 'columns', 1]);
    assert.deepEqual(parseOverride('a["k=v"]=1').value, 1);
    for (const bad of ['a[fusion.type]=1', 'a["x]=1', 'a..b=1', 'a b=1', '=1', 'a'])
      assert.ok('error' in parseKeyPath(bad) || bad === '=1', bad);
    assert.equal(formatKeyPath(['sweep', 'parameters', 'fusion.type', 'values', 0]), 'sweep.parameters["fusion.type"].values[0]');
  });

  it('addresses a sweep parameter whose name has dots', () => {
    const text =
      BASE + 'sweep:\n  method: grid\n  metric: {name: val_loss, goal: minimize}\n  parameters:\n    fusion.type: {values: [concat]}\n';
    const { config } = load(text, ['sweep.parameters["fusion.type"].values=[concat, gated]']);
    assert.deepEqual(config.sweep!.parameters['fusion.type']!.values, ['concat', 'gated']);
  });

  it('a key the file does not have, added by --set, is reported against the flag', () => {
    const text =
      BASE + 'sweep:\n  method: grid\n  metric: {name: val_loss, goal: minimize}\n  parameters:\n    fusion.type: {values: [concat]}\n';
    const flag = 'sweep.parameters.fusion.type.values=[concat, gated]';
    const issues = problems(text, [flag]);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.file, `--set ${flag}`);
    assert.equal(issues[0]!.line, undefined);
    assert.match(issues[0]!.hint!, /sweep\.parameters\["fusion\.type"\]/);
  });

  it('an index past the end of a list is one line, not one per missing item', () => {
    const issues = problems(BASE, ['inputs.stats.columns.99=x']);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.file, '--set inputs.stats.columns.99=x');
    assert.match(issues[0]!.message, /inputs\.stats\.columns has 2 items: index 99 is past its end/);
    assert.match(issues[0]!.hint!, /or 2 to add an item/);
    assert.doesNotMatch(issues[0]!.message, /undefined/);
    // the next index appends
    const { config } = load(BASE, ['inputs.stats.columns.2=d']);
    assert.deepEqual((config.inputs.stats as { columns: string[] }).columns, ['b', 'c', 'd']);
  });

  it('a value where a section is needed, and a name key on a list', () => {
    assert.match(problems(BASE, ['name.x=1'])[0]!.message, /name is a value, not a section/);
    assert.match(problems(BASE, ['inputs.stats.columns.x=1'])[0]!.message, /columns is a list: 'x' is not an index/);
  });

  it('a --set value that YAML types as a number stays text where the schema wants text', () => {
    assert.equal(load(BASE, ['name=2024']).config.name, '2024');
    assert.equal(load(BASE, ['training.epochs=2']).config.training.epochs, 2);
  });
});
