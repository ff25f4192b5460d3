import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { mlmodelDescriptor } from '../../src/runner/mlmodel.js';

describe('MLmodel descriptor', () => {
  it('names the npm package the model came from (mmx-ml; mmx on npm is another package)', () => {
    const text = mlmodelDescriptor({
      runId: 'r',
      state: { version: 1, target: { column: 'label', task: 'classification', classes: ['a', 'b'] }, inputs: [] },
      tfjsVersion: '4.22.0',
      mmxVersion: '0.1.0',
    });
    const mmx = (parse(text) as { flavors: { mmx: { package: string; mmx_version: string } } }).flavors.mmx;
    assert.equal(mmx.package, 'mmx-ml');
    assert.equal(mmx.mmx_version, '0.1.0');
  });
});
