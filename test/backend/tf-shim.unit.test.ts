/**
 * src/tf.js and src/tf-wasm.js re-export the tfjs CommonJS bundles loaded with require() (see
 * scripts/gen-tf-shims.mjs): they must list exactly the names the installed packages export.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
// @ts-expect-error plain .mjs script without types
import { shims, shimSource, shimTypes } from '../../scripts/gen-tf-shims.mjs';
import * as tf from '../../src/tf.js';

const require = createRequire(import.meta.url);

test('the tfjs shims are what scripts/gen-tf-shims.mjs writes for the installed packages', () => {
  for (const { file, pkg } of shims as { file: string; pkg: string }[]) {
    const js = readFileSync(new URL(`../../src/${file}.js`, import.meta.url), 'utf8');
    assert.equal(js, (shimSource as (p: string) => string)(pkg), `src/${file}.js is stale for ${pkg}: run node scripts/gen-tf-shims.mjs`);
    const dts = readFileSync(new URL(`../../src/${file}.d.ts`, import.meta.url), 'utf8');
    assert.equal(dts, (shimTypes as (p: string) => string)(pkg), `src/${file}.d.ts is stale: run node scripts/gen-tf-shims.mjs`);
  }
});

test('src/tf.js exports the very objects of @tensorflow/tfjs', async () => {
  await tf.setBackend('cpu');
  const pkg = require('@tensorflow/tfjs') as Record<string, unknown>;
  const names = Object.keys(pkg);
  assert.ok(names.length > 400, `only ${names.length} names`);
  for (const name of names) assert.equal((tf as Record<string, unknown>)[name], pkg[name], name);
  // one engine: a tensor made through the shim is one the package sees
  const t = tf.tensor([1, 2, 3]);
  assert.equal((pkg['memory'] as () => { numTensors: number })().numTensors, tf.memory().numTensors);
  t.dispose();
});
