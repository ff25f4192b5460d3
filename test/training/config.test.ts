/**
 * The training options in the config language: PyTorch's defaults filled in, ranges and did-you-means from the
 * schema, the checks across options (file:line:column, key path, fix), and every option echoed in the run's
 * params.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.js';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { flattenParams } from '../../src/tracking/run-context.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mmx-training-config-');

const BASE = `name: t
data: {path: ${JSON.stringify(dataPath('penguins', 'manifest.csv'))}, split: {column: split}}
target: {column: label}
inputs:
  m: {type: numeric, column: bill_length_mm}
`;

function load(training: string) {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `${BASE}training:\n${training}`);
  return checkSemantics(loadConfig(file));
}

function issues(training: string): ConfigIssue[] {
  try {
    load(training);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected config issues');
}

describe('training options in the config', () => {
  it('fills in PyTorch’s defaults per optimiser; type may be left out (adam); no schedule is constant', () => {
    const rms = load('  optimizer: {type: rmsprop}\n').config.training;
    assert.deepEqual(rms.optimizer, {
      type: 'rmsprop',
      learning_rate: 0.01,
      rho: 0.99,
      epsilon: 1e-8,
      momentum: 0,
      weight_decay: 0,
      weight_decay_exclude: ['bias', 'normalization'],
    });
    assert.deepEqual(rms.lr_schedule, { type: 'constant' });
    assert.equal(rms.accumulate_batches, 1);
    const plain = load('  optimizer: {learning_rate: 0.003}\n').config.training.optimizer;
    assert.equal(plain.type, 'adam');
    assert.equal(plain.type === 'adam' && plain.epsilon, 1e-8);
    const w = load('  optimizer: {type: adamw}\n  lr_schedule: {type: cosine, warmup: {epochs: 1}}\n').config.training;
    assert.equal(w.optimizer.weight_decay, 0.01);
    assert.deepEqual(w.lr_schedule, { type: 'cosine', min_lr: 0, restart_mult: 1, warmup: { epochs: 1, start_factor: 0 } });
  });

  it('reports a wrong key, a range, an unknown schedule and a double warm-up length, each with its position', () => {
    const found = issues(
      '  optimizer: {type: adam, momentum: 0.9, beta2: 1.5}\n  lr_schedule: {type: cosin}\n  gradient_clipping: {}\n  accumulate_batches: 0\n',
    );
    const by = Object.fromEntries(found.map((i) => [i.path, i]));
    assert.match(by['training.optimizer.momentum']!.message, /unknown key 'momentum'/);
    assert.equal(by['training.optimizer.momentum']!.line, 7);
    assert.match(by['training.optimizer.beta2']!.message, /must be less than 1, got 1\.5/);
    assert.match(by['training.lr_schedule.type']!.hint ?? by['training.lr_schedule.type']!.message, /did you mean 'cosine'/);
    assert.match(by['training.gradient_clipping']!.message, /must not be empty/);
    assert.match(by['training.accumulate_batches']!.message, /at least 1/);
    assert.equal(found.filter((i) => i.path === 'training.lr_schedule.type').length, 1, 'one message for an unknown type');
    const warm = issues('  lr_schedule: {type: linear, warmup: {steps: 10, epochs: 1}}\n');
    assert.match(warm[0]!.message, /only one of `steps` or `epochs`/);
  });

  it('checks options against each other: Nesterov without momentum, a floor above the rate, a warm-up as long as the training, a monitor the run lacks', () => {
    const found = issues(
      '  epochs: 3\n  optimizer: {type: sgd, nesterov: true, learning_rate: 0.01}\n  lr_schedule: {type: reduce_on_plateau, monitor: val_acc, min_lr: 0.1, warmup: {epochs: 3}}\n',
    );
    const by = Object.fromEntries(found.map((i) => [i.path, i]));
    assert.equal(by['training.optimizer.nesterov']!.message, 'nesterov needs momentum > 0');
    assert.equal(by['training.optimizer.nesterov']!.line, 8);
    assert.match(by['training.lr_schedule.monitor']!.hint!, /did you mean 'val_accuracy'/);
    assert.match(by['training.lr_schedule.min_lr']!.message, /not below the learning rate it decays from/);
    assert.match(by['training.lr_schedule.warmup.epochs']!.message, /not shorter than the training \(training.epochs: 3\)/);
    assert.match(issues('  lr_schedule: {type: one_cycle, warmup: {steps: 3}}\n')[0]!.message, /one_cycle warms up by itself/);
  });

  it('every option is echoed in the run’s params, defaults included', () => {
    const { config } = load(
      '  optimizer: {type: adamw, learning_rate: 0.002, weight_decay: 0.05}\n  lr_schedule: {type: cosine, warmup: {steps: 100}}\n  gradient_clipping: {global_norm: 1}\n  accumulate_batches: 4\n',
    );
    const params = flattenParams(config);
    assert.deepEqual(
      Object.fromEntries(Object.entries(params).filter(([k]) => /^training\.(optimizer|lr_schedule|gradient|accumulate)/.test(k))),
      {
        'training.optimizer.type': 'adamw',
        'training.optimizer.learning_rate': '0.002',
        'training.optimizer.beta1': '0.9',
        'training.optimizer.beta2': '0.999',
        'training.optimizer.epsilon': '1e-8',
        'training.optimizer.weight_decay': '0.05',
        'training.optimizer.weight_decay_exclude': '["bias","normalization"]',
        'training.lr_schedule.type': 'cosine',
        'training.lr_schedule.min_lr': '0',
        'training.lr_schedule.restart_mult': '1',
        'training.lr_schedule.warmup.steps': '100',
        'training.lr_schedule.warmup.start_factor': '0',
        'training.gradient_clipping.global_norm': '1',
        'training.accumulate_batches': '4',
      },
    );
  });
});
