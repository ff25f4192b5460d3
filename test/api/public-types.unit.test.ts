/**
 * The published declarations (src/public/index.ts → dist/public/index.d.ts) against the implementation
 * (src/index.ts → dist/index.js): each declared function is implemented with a type that fits its declaration, the
 * written-out config type is the schema's inferred one, and the package exports exactly the declared values.
 * The compile-time half is checked by `npm run typecheck` (part of `npm test`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExperimentConfig as WrittenOut } from '../../src/experiment/generated/experiment-config.js';
import type { ExperimentConfig as Inferred } from '../../src/experiment/schema.js';
import type * as Declared from '../../src/public/index.js';
import * as Implemented from '../../src/index.js';

// each implementation fits its declaration (a drift in parameters or results is a type error here)
const fits: {
  loadConfig: typeof Declared.loadConfig;
  validateConfig: typeof Declared.validateConfig;
  runExperiment: typeof Declared.runExperiment;
  loadPredictor: typeof Declared.loadPredictor;
  predict: typeof Declared.predict;
  MMX_VERSION: typeof Declared.MMX_VERSION;
} = Implemented;
void fits;

/** true when A and B are assignable both ways */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// the written-out config type (npm run schema) is the type the schema infers: stale after a schema change → an error here
const configTypeIsFresh: Same<WrittenOut, Inferred> = true;
void configTypeIsFresh;

describe('the public API', () => {
  it('exports exactly the declared values, nothing internal', () => {
    assert.deepEqual(Object.keys(Implemented).sort(), [
      'ConfigError',
      'DataError',
      'MMX_VERSION',
      'RowError',
      'UsageError',
      'loadConfig',
      'loadPredictor',
      'predict',
      'runExperiment',
      'validateConfig',
    ]);
  });
});
