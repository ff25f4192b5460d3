#!/usr/bin/env node
/**
 * `npm test` after the type-check: the suite as scripts/test-plan.mjs lays it out (the unit tier in one process,
 * every other file in its own, MMX_TEST_CONCURRENCY at a time). Arguments, if any, are the test files to run
 * instead (`npm test -- test/ui/ink-app.unit.test.ts`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testCommand } from './test-plan.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
let args;
try {
  args = testCommand(root, process.env, process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
