/**
 * What `npm test` runs after the type-check (scripts/test.mjs): Node's test runner over
 *
 * - the unit tier (`test/<area>/*.unit.test.ts`) in one process, through test/unit.ts: one start and one tfjs load
 *   instead of one per file, and the tier's rule enforced (no data sets, no CLI, no Redis);
 * - every other test file (`test/<area>/*.test.ts`) in a process of its own.
 *
 * Files run MMX_TEST_CONCURRENCY at a time (default: the machine's cores, at least 2). Much of a test process's
 * time is spent waiting — on an `mmx` child process, a server, Redis, a timeout under test — so even on 2 cores two
 * at a time finish well before one at a time (Node's own default there). No test may depend on running alone: each
 * process has its own temp folder and feature cache (test/setup.ts), and servers take free ports.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `test/<area>/*.test.ts` relative to the checkout, the unit tier apart. */
export function testFiles(root) {
  const unit = [];
  const other = [];
  const testDir = path.join(root, 'test');
  for (const area of readdirSync(testDir, { withFileTypes: true })) {
    if (!area.isDirectory()) continue;
    for (const name of readdirSync(path.join(testDir, area.name))) {
      if (!name.endsWith('.test.ts')) continue;
      (name.endsWith('.unit.test.ts') ? unit : other).push(path.join('test', area.name, name));
    }
  }
  return { unit: unit.sort(), other: other.sort() };
}

/** The node arguments (run in `root`); `asked`: test files to run instead of all of them. */
export function testCommand(root, env = process.env, asked = []) {
  const raw = env.MMX_TEST_CONCURRENCY;
  const concurrency = raw === undefined || raw === '' ? Math.max(2, os.availableParallelism()) : Number(raw);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`MMX_TEST_CONCURRENCY must be a whole number ≥ 1, got '${raw}'`);
  }
  let files = asked;
  if (files.length === 0) {
    const { unit, other } = testFiles(root);
    if (unit.length === 0) throw new Error(`no *.unit.test.ts files under ${path.join(root, 'test')}`);
    files = [path.join('test', 'unit.ts'), ...other];
  }
  return [
    '--import',
    'tsx',
    '--import',
    './test/setup.ts',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ];
}
