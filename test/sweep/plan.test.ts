/**
 * The whole sweep is checked before the first trial: paths exist, the metric is logged, and every value a
 * trial can get validates through the normal loader — errors at the file:line:column of the sweep entry.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { checkPath, planSweep } from '../../src/sweep/plan.js';
import { loadConfig } from '../../src/experiment/load.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const BASE = () => `name: plan-test
data:
  path: ${dataPath('avmnist', 'manifest.csv')}
  split: {column: split}
target: {column: label}
inputs:
  image:
    type: image
    column: image_path
    encoder: {type: cnn, filters: [8], output_dim: 16}
training:
  epochs: 4
  optimizer: {type: adam, learning_rate: 0.001}
`;

function write(sweep: string): { file: string; text: string; dir: string } {
  const dir = tempDir('mmx-sweep-plan-');
  const text = BASE() + sweep;
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, text);
  return { file, text, dir };
}

/** 1-based line and column of the first `needle` after `after` */
function pos(text: string, needle: string, after = ''): string {
  const i = text.indexOf(needle, text.indexOf(after));
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function issuesOf(file: string, dir: string): string[] {
  try {
    planSweep(file, { baseDir: dir });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.format(dir).split('\n');
  }
  assert.fail('expected a ConfigError');
}

describe('planning a sweep', () => {
  it('a grid: the number of combinations, the metric, no warnings', () => {
    const { file, dir } = write(`sweep:
  method: grid
  metric: {name: val_accuracy, goal: maximize}
  parallel: 2
  parameters:
    training.optimizer.learning_rate: {values: [1.0e-3, 3.0e-3, 1.0e-2]}
    training.batch_size: {values: [16, 32]}
`);
    const plan = planSweep(file, { baseDir: dir });
    assert.equal(plan.trials, 6);
    assert.equal(plan.gridSize, 6);
    assert.equal(plan.parallel, 2);
    assert.deepEqual(plan.metric, { name: 'val_accuracy', goal: 'maximize', perEpoch: true, pruneOn: 'val_accuracy' });
    assert.deepEqual(plan.warnings, []);
    assert.equal(plan.seed, 42);
  });

  it('a bad value anywhere in a grid fails up front, at its line and column', () => {
    const { file, dir, text } = write(`sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parameters:
    training.batch_size: {values: [32, 0]}
    training.optimizer.type: {values: [adam, adamx]}
`);
    const lines = issuesOf(file, dir);
    assert.deepEqual(lines, [
      `exp.yaml:${pos(text, '0]', 'batch_size: {values')}: sweep.parameters.training.batch_size.values[1]: must be at least 1, got 0`,
      `exp.yaml:${pos(text, 'adamx')}: sweep.parameters.training.optimizer.type.values[1]: unknown type 'adamx' (did you mean 'adam'?)`,
    ]);
  });

  it('a value that only breaks a semantic check (a monitor the run does not log) is found too', () => {
    const { file, dir, text } = write(`sweep:
  method: grid
  metric: {name: val_loss, goal: minimize}
  parameters:
    training.early_stopping: {values: [{monitor: val_loss}, {monitor: val_f1}]}
`);
    const lines = issuesOf(file, dir);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      new RegExp(
        `^exp\\.yaml:${pos(text, '{monitor: val_f1}')}: sweep\\.parameters\\.training\\.early_stopping\\.values\\[1\\]: training\\.early_stopping\\.monitor: 'val_f1' is not a metric this run produces`,
      ),
    );
  });

  it('random / bayes: bounds are validated at their extremes', () => {
    const { file, dir, text } = write(`sweep:
  method: bayes
  trials: 10
  metric: {name: val_loss, goal: minimize}
  parameters:
    training.optimizer.learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 20}
    training.batch_size: {distribution: int_uniform, min: 0, max: 64}
`);
    assert.deepEqual(issuesOf(file, dir), [
      `exp.yaml:${pos(text, '20}')}: sweep.parameters.training.optimizer.learning_rate.max: must be at most 10, got 20 (at 20)`,
      `exp.yaml:${pos(text, '0, max: 64')}: sweep.parameters.training.batch_size.min: must be at least 1, got 0 (at 0)`,
    ]);
  });

  it('unknown paths (with did-you-mean), unknown metrics, a missing budget', () => {
    const { file, dir, text } = write(`sweep:
  method: random
  metric: {name: val_acc, goal: maximize}
  parameters:
    training.optimiser.learning_rate: {values: [0.1]}
    inputs.imag.encoder.filters: {values: [[8]]}
    fusion.type: {distribution: uniform, min: 0, max: 1}
`);
    const lines = issuesOf(file, dir);
    assert.deepEqual(lines, [
      `exp.yaml:${pos(text, 'random')}: sweep.method: method random needs 'trials' (the budget) (e.g. trials: 20)`,
      `exp.yaml:${pos(text, 'val_acc')}: sweep.metric.name: 'val_acc' is not a metric this run logs (did you mean 'val_accuracy'?)`,
      `exp.yaml:${pos(text, 'training.optimiser')}: sweep.parameters.training.optimiser.learning_rate: 'training.optimiser' is not a config key: 'training' has no 'optimiser' (did you mean 'optimizer'?)`,
      `exp.yaml:${pos(text, 'inputs.imag')}: sweep.parameters.inputs.imag.encoder.filters: 'inputs.imag': the config has no entry 'imag' (did you mean 'image'?)`,
    ]);
  });

  it('a test metric is allowed with a warning; a config without sweep: is an error', () => {
    const { file, dir } = write(`sweep:
  method: random
  trials: 3
  metric: {name: test_accuracy, goal: maximize}
  parameters:
    training.optimizer.learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-2}
`);
    const plan = planSweep(file, { baseDir: dir });
    assert.equal(plan.metric.pruneOn, 'val_accuracy');
    assert.match(plan.warnings.join('\n'), /test split/);
    const bare = write('');
    assert.match(issuesOf(bare.file, bare.dir).join('\n'), /exp\.yaml:1:1: sweep: no 'sweep:' section/);
  });

  it('checks every value of a sweep over a config that names a built-in data set', () => {
    const dir = tempDir('mmx-sweep-plan-');
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(
      file,
      BASE().replace(`path: ${dataPath('avmnist', 'manifest.csv')}`, 'dataset: avmnist') +
        `sweep:
  method: grid
  metric: {name: val_accuracy, goal: maximize}
  parameters:
    fusion.type: {values: [concat, gated]}
`,
    );
    const plan = planSweep(file, {
      baseDir: dir,
      env: { ...process.env, MMX_DATA_HOME: path.dirname(path.dirname(dataPath('avmnist', 'manifest.csv'))) },
    });
    assert.ok(plan);
  });

  it('checkPath: schema keys, array items, named entries', () => {
    const config = loadConfig(write('').file).config;
    assert.equal(checkPath('training.optimizer.learning_rate', config), undefined);
    assert.equal(checkPath('inputs.image.encoder.filters', config), undefined);
    assert.equal(checkPath('inputs.image.encoder.filters.0', config), undefined);
    assert.equal(checkPath('tracking.tags.team', config), undefined);
    assert.match(checkPath('sweep.trials', config)!.message, /cannot be swept/);
    assert.match(checkPath('training.epochz', config)!.hint!, /did you mean 'epochs'/);
    // object internals never name a config path (no walk into a prototype)
    assert.match(checkPath('training.constructor', config)!.message, /'constructor' cannot be used as a key/);
    assert.match(checkPath('inputs.image.__proto__.x', config)!.message, /'__proto__' cannot be used as a key/);
  });
});
