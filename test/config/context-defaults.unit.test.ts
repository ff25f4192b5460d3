/**
 * Configs written from scratch: defaults that depend on other keys (src/experiment/context-defaults.ts) —
 * `data.split` for a built-in data set, `fusion.hidden` by the number of inputs, numeric `columns` alone.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { DATASET_NAMES, DATASET_SPLIT_COLUMN } from '../../src/datasets/names.js';
import { datasets } from '../../src/datasets/registry.js';
import { tempDir } from '../helpers/tmp.js';

function load(text: string, overrides: string[] = []) {
  const file = path.join(tempDir('mmx-ctx-'), 'x.yaml');
  writeFileSync(file, text);
  return loadConfig(file, { env: {}, overrides });
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

const numeric = (data: string, input: string) => `name: t\ndata: ${data}\ntarget: {column: label}\ninputs:\n  x: ${input}\n`;

describe('defaults that depend on the rest of the config', () => {
  it('numeric columns: [a, b] alone is accepted; the first is its column', () => {
    const loaded = load(numeric('{path: m.csv, split: {column: split}}', '{type: numeric, columns: [a, b, c]}'));
    const x = loaded.config.inputs.x!;
    assert.equal(x.column, 'a');
    assert.deepEqual((x as { columns?: string[] }).columns, ['b', 'c']);
    // positions follow the values: `column` is where `a` was written, columns[0] where `b` was
    assert.deepEqual(loaded.sources.locate(['inputs', 'x', 'column']), { file: loaded.file, line: 5, column: 32 });
    assert.deepEqual(loaded.sources.locate(['inputs', 'x', 'columns', 0]), { file: loaded.file, line: 5, column: 35 });
    const one = load(numeric('{path: m.csv, split: {column: split}}', '{type: numeric, columns: [a]}')).config.inputs.x!;
    assert.equal(one.column, 'a');
    assert.equal((one as { columns?: string[] }).columns, undefined);
  });

  it('a numeric input with neither column nor columns: one message; other modalities still need column', () => {
    const issues = issuesOf(numeric('{path: m.csv, split: {column: split}}', '{type: numeric}'));
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      ["inputs.x.column: missing required key 'column'"],
    );
    assert.ok(issuesOf(numeric('{path: m.csv, split: {column: split}}', '{type: text, columns: [a]}')).length > 0);
  });

  it('data.split defaults to the split column of a built-in data set, and is required with data.path', () => {
    const split = load(numeric('{dataset: penguins}', '{type: numeric, column: a}')).config.data.split;
    assert.deepEqual(split, { column: 'split', train: 'train', validation: 'validation', test: 'test', stratify: false });
    const issues = issuesOf(numeric('{path: m.csv}', '{type: numeric, column: a}'));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.path, 'data.split');
    assert.equal(issues[0]!.line, 2);
    assert.match(issues[0]!.message, /data\.path needs data\.split/);
    assert.match(issues[0]!.hint!, /split: \{column: split\}.*ratios/);
    // written: kept as written
    const ratios = load(
      numeric('{dataset: penguins, split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}}}', '{type: numeric, column: a}'),
    );
    assert.equal(ratios.config.data.split.column, undefined);
    assert.equal(ratios.config.data.split.ratios?.train, 0.8);
  });

  it('every built-in data set has the split column the default names', () => {
    for (const name of DATASET_NAMES) assert.ok(datasets[name].columns.includes(DATASET_SPLIT_COLUMN), name);
  });

  it('fusion.hidden: [] with a single input, [128] with more, as written when written (also through --set)', () => {
    const one = numeric('{path: m.csv, split: {column: split}}', '{type: numeric, column: a}');
    assert.deepEqual(load(one).config.fusion, { type: 'concat', hidden: [], dropout: 0, activation: 'relu', modality_dropout: 0 });
    assert.deepEqual(load(one + 'fusion: {type: concat, dropout: 0.1}\n').config.fusion.hidden, []);
    assert.deepEqual(load(one, ['fusion.hidden=[16]']).config.fusion.hidden, [16]);
    const two = one + '  y: {type: categorical, column: c}\n';
    assert.deepEqual(load(two).config.fusion.hidden, [128]);
    assert.deepEqual(load(two + 'fusion: {type: gated}\n').config.fusion.hidden, [128]);
    assert.deepEqual(load(two + 'fusion: {type: gated, hidden: []}\n').config.fusion.hidden, []);
  });

  it('the JSON Schema says so: no [128] default, and numeric column not required when columns is given', () => {
    const text = JSON.stringify(experimentJsonSchema());
    assert.match(text, /Default: \[128\] with two or more inputs, \[\] with a single input/);
    assert.match(text, /with data\.dataset the default is \{column: split\}/);
    assert.doesNotMatch(text, /"default":\[128\]/);
  });
});
