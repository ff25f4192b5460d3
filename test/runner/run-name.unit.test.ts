import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namedOverrides, overridesTag, runName, sweepRunName } from '../../src/runner/run-name.js';

describe('run names', () => {
  it('a run is named after the config, then the --set overrides that change the experiment', () => {
    assert.equal(runName('avmnist-concat', []), 'avmnist-concat');
    assert.equal(runName('avmnist-concat', ['fusion.type=gated']), 'avmnist-concat [fusion.type=gated]');
    assert.equal(
      runName('avmnist-concat', [' fusion.type=gated', 'training.epochs=3', 'runtime.cache=false', 'tracking.experiment=x', 'name=y']),
      'avmnist-concat [fusion.type=gated, training.epochs=3]',
    );
    assert.deepEqual(namedOverrides(['runtime.backend=cpu', 'inputs.image.encoder.filters=[8,16]']), [
      'inputs.image.encoder.filters=[8,16]',
    ]);
  });

  it('a very long list of overrides is cut, the name stays readable', () => {
    const many = Array.from({ length: 40 }, (_, i) => `training.optimizer.learning_rate=0.00${i}`);
    const name = runName('x', many);
    assert.ok(name.length <= 250, String(name.length));
    assert.match(name, /^x \[training\.optimizer\.learning_rate=0\.000, .*…\]$/);
  });

  it('a sweep is <name>-sweep, never <name>-sweep-sweep', () => {
    assert.equal(sweepRunName('avmnist', []), 'avmnist-sweep');
    assert.equal(sweepRunName('avmnist-sweep', []), 'avmnist-sweep');
    assert.equal(sweepRunName('penguins_Sweep', ['training.epochs=2']), 'penguins_Sweep [training.epochs=2]');
  });

  it('every override is in the mmx.overrides tag, as given', () => {
    assert.deepEqual(overridesTag([]), {});
    assert.deepEqual(overridesTag(['fusion.type=gated', 'runtime.cache=false']), {
      'mmx.overrides': '["fusion.type=gated","runtime.cache=false"]',
    });
  });
});
