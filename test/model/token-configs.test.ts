/** The shipped token-level configs (configs/*-tokens-*.yaml) validate against the real data sets. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { dataHome, repoRoot } from '../helpers/data.js';

describe('the shipped token-level configs', () => {
  it('validate against the real data (schema, semantic checks, attention size)', () => {
    const files = readdirSync(path.join(repoRoot, 'configs')).filter((f) => f.includes('-tokens-'));
    assert.equal(files.length, 8);
    for (const f of files) {
      const checked = checkSemantics(loadConfig(path.join(repoRoot, 'configs', f), { env: { MMX_DATA_HOME: dataHome() } }));
      const outputs = Object.values(checked.config.inputs).map((i) => (i.encoder as { output?: string }).output);
      assert.equal(outputs.includes('sequence'), checked.config.fusion.type !== 'concat', f);
    }
  });
});
