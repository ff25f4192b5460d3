import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { dumpMetaYaml, formatScalar } from '../../src/tracking/mlflow-yaml.js';
import { tempDir } from './helpers.js';
import { readYaml } from './mlflow-reader.js';

describe('meta.yaml writer', () => {
  it('writes what PyYAML safe_dump writes for MLflow metas', () => {
    assert.equal(formatScalar('0'), "'0'");
    assert.equal(formatScalar('606783375233873416'), "'606783375233873416'");
    assert.equal(formatScalar(''), "''");
    assert.equal(formatScalar('active'), 'active');
    assert.equal(formatScalar('file:///home/u/mlruns/0'), 'file:///home/u/mlruns/0');
    assert.equal(formatScalar('73ed5776f5e04e23be739d46812cb6bd'), '73ed5776f5e04e23be739d46812cb6bd');
    assert.equal(formatScalar('wistful-ant-659'), 'wistful-ant-659');
    assert.equal(formatScalar(1721450907230), '1721450907230');
    assert.equal(formatScalar(null), 'null');
    assert.equal(formatScalar([]), '[]');
    assert.equal(dumpMetaYaml({ b: 1, a: 'x' }), 'a: x\nb: 1\n');
  });

  it('round-trips awkward strings through a PyYAML-faithful reader', () => {
    const dir = tempDir();
    const samples = [
      'yes',
      'NO',
      'On',
      'y',
      'n',
      'null',
      'Null',
      '~',
      '',
      '0',
      '007',
      '0x1f',
      '0b101',
      '1_000',
      '1:20',
      '1:20.5',
      '1e5',
      '1.0',
      '.5',
      '.inf',
      '-.inf',
      '.nan',
      '2024-01-01',
      '2024-1-1 10:00:00',
      '<<',
      '=',
      '!x',
      '&a',
      '*a',
      '|',
      '>',
      '-',
      '- a',
      '? q',
      ': c',
      'a: b',
      'a #b',
      'end:',
      "quote'",
      'dq"',
      '\\',
      'tab\t',
      'nl\n',
      'cr\r',
      '\x00nul',
      '\x7f',
      '\x85nel',
      '\u2028',
      '\ufeffbom',
      'ü',
      '日本語',
      '🚀 rocket',
      ' lead',
      'trail ',
      '%percent',
      '@at',
      '`b`',
      '#c',
      '[a]',
      '{a}',
      ',',
      'a,b',
      'lone\ud800',
      '\uffff',
      'x'.repeat(300),
      'spaces '.repeat(30),
    ];
    samples.forEach((s, i) => {
      const file = path.join(dir, `m${i}.yaml`);
      fs.writeFileSync(file, dumpMetaYaml({ v: s }));
      const got = readYaml(file).get('v');
      // Python reads a lone surrogate escape back as that code point; our check compares UTF-16
      assert.deepEqual(got, { t: 'str', v: s }, `sample ${JSON.stringify(s)} written as ${fs.readFileSync(file, 'utf8')}`);
    });
  });

  it('refuses values MLflow metas never hold', () => {
    assert.throws(() => formatScalar(1.5));
    assert.throws(() => formatScalar(['x'] as unknown as []));
  });
});
