/** What every trial of a sweep shares (src/sweep/trial-config.ts): the hash `--resume` compares, and the changes it names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configChanges, trialBase } from '../../src/sweep/trial-config.js';

const config = {
  name: 'x',
  training: { epochs: 4, optimizer: { type: 'adam', learning_rate: 0.001 } },
  fusion: { type: 'concat', hidden: [16] },
  runtime: { threads: 2 },
  tracking: { uri: 'runs' },
  sweep: { trials: 4 },
};

describe('the config a sweep’s trials share', () => {
  it('leaves out sweep, tracking, runtime and the swept paths; key order does not matter', () => {
    const b = trialBase(config, ['training.optimizer.learning_rate', 'fusion.hidden']);
    assert.deepEqual(b.config, { fusion: { type: 'concat' }, name: 'x', training: { epochs: 4, optimizer: { type: 'adam' } } });
    const reordered = {
      sweep: { trials: 9 },
      tracking: { uri: 'elsewhere' },
      runtime: { threads: 8 },
      fusion: { hidden: [64], type: 'concat' },
      training: config.training,
      name: 'x',
    };
    assert.equal(trialBase(reordered, ['training.optimizer.learning_rate', 'fusion.hidden']).hash, b.hash);
    assert.notEqual(
      trialBase({ ...config, training: { ...config.training, epochs: 5 } }, ['fusion.hidden']).hash,
      trialBase(config, ['fusion.hidden']).hash,
    );
  });

  it('names what changed, path by path', () => {
    const a = trialBase(config, []).config;
    const b = trialBase({ ...config, training: { epochs: 5, optimizer: { type: 'sgd' } }, extra: true }, []).config;
    assert.deepEqual(configChanges(a, b), [
      'extra: (not set) → true',
      'training.epochs: 4 → 5',
      'training.optimizer.learning_rate: 0.001 → (not set)',
      'training.optimizer.type: "adam" → "sgd"',
    ]);
    assert.deepEqual(configChanges(a, a), []);
  });
});
