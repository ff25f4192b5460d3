/**
 * Every kind of schema error (each Ajv keyword the generated schema can fail on) becomes one sentence a person can
 * act on: no raw validator wording (`must NOT have fewer than 1 properties`), and a union (`anyOf` / `oneOf`) gives one
 * line, not one per branch.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { HANDLED_KEYWORDS } from '../../src/experiment/validate-schema.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mmx-schema-msg-');
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `name: t
data:
  path: data.csv
  split: {column: split}
target: {column: label}
inputs:
  picture: {type: image, column: img}
`;

let n = 0;
function problems(text: string, overrides: string[] = []): ConfigIssue[] {
  const file = path.join(dir, `c${n++}.yaml`);
  writeFileSync(file, text);
  try {
    loadConfig(file, { env: {}, baseDir: dir, overrides });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

/** The one issue `text` (or the overrides) gives at `path`, checked to be a plain sentence. */
function one(text: string, at: string, overrides: string[] = []): ConfigIssue {
  const issues = problems(text, overrides);
  const here = issues.filter((i) => i.path === at);
  assert.equal(here.length, 1, `${at}: ${JSON.stringify(issues, null, 1)}`);
  const issue = here[0]!;
  const text2 = `${issue.message} ${issue.hint ?? ''}`;
  assert.doesNotMatch(text2, /must NOT|must match|must be equal to|must have required|properties|\bundefined\b|\n/, text2);
  return issue;
}

const RAW_ERROR_KEYWORDS = new Set([
  'additionalProperties',
  'required',
  'discriminator',
  'enum',
  'const',
  'type',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'if',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'pattern',
  'format',
  'contains',
  'propertyNames',
  'dependentRequired',
]);

describe('schema error messages', () => {
  it('every error keyword the schema uses has its own sentence', () => {
    const used = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        // `properties` / `patternProperties` hold key names, not keywords
        if (k === 'properties' || k === 'patternProperties') {
          Object.values(v as object).forEach(walk);
          continue;
        }
        if (RAW_ERROR_KEYWORDS.has(k) && !(k === 'format' && typeof v !== 'string')) used.add(k);
        walk(v);
      }
    };
    walk(experimentJsonSchema());
    const handled = new Set<string>(HANDLED_KEYWORDS);
    assert.deepEqual(
      [...used].filter((k) => !handled.has(k)),
      [],
    );
  });

  it('additionalProperties: an unknown key, a bad input name, a bad sweep path', () => {
    assert.match(one(BASE + 'trainin: {epochs: 1}\n', 'trainin').hint!, /did you mean 'training'/);
    assert.match(one(BASE + '  2x: {type: image, column: img}\n', 'inputs.2x').message, /input name '2x' is not allowed/);
    const sweep = 'sweep:\n  method: grid\n  metric: {name: val_loss, goal: minimize}\n  parameters:\n    "a b": {values: [1]}\n';
    assert.match(one(BASE + sweep, 'sweep.parameters.a b').message, /'a b' is not a config path/);
    const typo = sweep.replace('"a b": {values: [1]}', 'fusion.dim: {valuse: [1]}');
    assert.match(one(BASE + typo, 'sweep.parameters.fusion.dim.valuse').hint!, /did you mean 'values'/);
  });

  it('required and discriminator', () => {
    assert.equal(one(BASE.replace('target: {column: label}\n', ''), 'target').message, "missing required key 'target'");
    assert.match(one(BASE + 'fusion: {type: concatt}\n', 'fusion.type').hint!, /did you mean 'concat'/);
    assert.equal(one(BASE + '  x: {column: c}\n', 'inputs.x.type').message, "missing 'type'");
  });

  it('type and enum: one line each (no type error beside an enum error)', () => {
    assert.equal(one(BASE + 'training: {epochs: many}\n', 'training.epochs').message, "expected a whole number, got the text 'many'");
    assert.equal(one(BASE + 'training: {epochs: 2.5}\n', 'training.epochs').message, 'expected a whole number, got number 2.5');
    assert.equal(one(BASE + 'runtime: {backend: 3}\n', 'runtime.backend').message, '3 is not allowed');
    assert.match(one(BASE + 'runtime: {backend: wsam}\n', 'runtime.backend').hint!, /did you mean 'wasm'/);
    assert.equal(one(BASE + 'training: {shuffle: 1}\n', 'training.shuffle').message, 'expected true or false, got number 1');
    assert.equal(one(BASE + 'training: [1]\n', 'training').message, 'expected a section (key: value map), got a list');
  });

  it("anyOf: one sentence naming what is accepted, or the matching branch's own error", () => {
    assert.equal(
      one(BASE.replace('target: {column: label}', 'target: {column: label, class_weight: [1]}'), 'target.class_weight').message,
      "expected 'balanced' or a section (key: value map), got a list",
    );
    assert.equal(
      one(BASE + 'runtime: {workers: [2]}\n', 'runtime.workers').message,
      "expected 'auto' or a whole number from 1 to 256, got a list",
    );
    assert.equal(
      one(BASE + 'runtime: {threads: autoo}\n', 'runtime.threads').message,
      "expected 'auto' or a whole number from 1 to 256, got the text 'autoo'",
    );
    assert.equal(one(BASE + 'runtime: {workers: 0}\n', 'runtime.workers').message, 'must be at least 1, got 0');
    assert.equal(one('extends: 3\n' + BASE, 'extends').message, 'must be a file path or a list of file paths');
    assert.equal(
      one(BASE.replace('target: {column: label}', 'target: {column: label, class_weight: {a: -1}}'), 'target.class_weight.a').message,
      'must be greater than 0, got -1',
    );
  });

  it('oneOf over which key is present: one sentence', () => {
    const neither = one(BASE.replace('  path: data.csv\n', ''), 'data');
    assert.equal(neither.message, 'give exactly one of `path` or `dataset`');
    assert.match(neither.hint!, /data: \{dataset: avmnist/);
    assert.equal(one(BASE, 'data', ['data.dataset=avmnist']).message, 'give only one of `path` or `dataset`, not both');
    assert.equal(
      one(BASE.replace('split: {column: split}', 'split: {train: x}'), 'data.split').message,
      'give exactly one of `column` or `ratios`',
    );
  });

  it('sizes of lists, maps and texts', () => {
    assert.equal(one(BASE + 'evaluation: {metrics: []}\n', 'evaluation.metrics').message, 'must not be an empty list');
    assert.equal(
      one(
        BASE.replace(
          '{type: image, column: img}',
          `{type: image, column: img, encoder: {type: cnn, filters: [${Array(13).fill(8).join(', ')}]}}`,
        ),
        'inputs.picture.encoder.filters',
      ).message,
      'has 13 items, at most 12 allowed',
    );
    assert.equal(one(BASE, 'inputs', ['inputs={}']).message, 'must not be empty');
    assert.equal(one(BASE.replace('{column: label}', "{column: ''}"), 'target.column').message, 'must not be empty');
    assert.equal(one(BASE.replace('name: t', `name: ${'n'.repeat(201)}`), 'name').message, 'is 201 characters long, at most 200 allowed');
    const dup = one(BASE + 'evaluation: {metrics: [accuracy, macro_f1, accuracy]}\n', 'evaluation.metrics');
    assert.equal(dup.message, "lists 'accuracy' twice (items 0 and 2)");
    const sweep = 'sweep:\n  method: grid\n  metric: {name: val_loss, goal: minimize}\n  parameters: {}\n';
    assert.equal(one(BASE + sweep, 'sweep.parameters').message, 'must not be empty');
  });

  it('numeric limits in words', () => {
    assert.equal(one(BASE + 'training: {batch_size: 0}\n', 'training.batch_size').message, 'must be at least 1, got 0');
    assert.equal(one(BASE + 'training: {epochs: 100001}\n', 'training.epochs').message, 'must be at most 100000, got 100001');
    assert.equal(
      one(BASE + 'training: {optimizer: {learning_rate: 0}}\n', 'training.optimizer.learning_rate').message,
      'must be greater than 0, got 0',
    );
    assert.equal(
      one(BASE.replace('{column: label}', '{column: label, label_smoothing: 1}'), 'target.label_smoothing').message,
      'must be less than 1, got 1',
    );
  });

  it('pattern', () => {
    const issue = one(BASE.replace('name: t', 'name: "-bad"'), 'name');
    assert.equal(issue.message, "'-bad' has characters that are not allowed");
    assert.match(issue.hint!, /letters, digits/);
  });
});
