/** The unit tier's rule (test/unit.ts) is enforced: in it, the helpers refuse the data sets, the CLI and Redis. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { testCommand, testFiles } from '../../scripts/test-plan.mjs';
import { runCli } from '../helpers/cli.js';
import { dataHome, repoRoot } from '../helpers/data.js';
import { TestRedis } from '../sweep/fixtures/queue-redis.js';

describe('npm run test:unit', () => {
  afterEach(() => delete process.env.MMX_TEST_TIER);

  it('is a script of its own, beside the full npm test', () => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['test:unit']!, /test\/unit\.ts$/);
    assert.match(scripts.test!, /^npm run typecheck && node scripts\/test\.mjs$/);
  });

  it('npm test runs the unit tier in one process (test/unit.ts) and every other test file in its own', () => {
    const { unit, other } = testFiles(repoRoot);
    assert.ok(unit.includes(path.join('test', 'ui', 'ink-app.unit.test.ts')), unit.join(' '));
    assert.ok(other.includes(path.join('test', 'workspace', 'unit-tier.test.ts')), other.join(' '));
    const args = testCommand(repoRoot, { MMX_TEST_CONCURRENCY: '3' });
    assert.ok(args.includes(path.join('test', 'unit.ts')));
    assert.ok(!args.some((a) => a.endsWith('.unit.test.ts')), 'no unit-tier file runs in a process of its own');
    assert.deepEqual(args.slice(-other.length), other);
    assert.ok(args.includes('--test-concurrency=3'));
    assert.ok(
      testCommand(repoRoot, {}).some((a) => /^--test-concurrency=([2-9]|\d\d+)$/.test(a)),
      'at least 2 at a time by default',
    );
    assert.throws(() => testCommand(repoRoot, { MMX_TEST_CONCURRENCY: 'lots' }), /MMX_TEST_CONCURRENCY must be a whole number/);
    assert.deepEqual(testCommand(repoRoot, {}, ['test/ui/x.test.ts']).slice(-1), ['test/ui/x.test.ts']);
  });

  it('a unit test cannot reach the data sets, start the CLI or Redis', () => {
    assert.ok(dataHome());
    process.env.MMX_TEST_TIER = 'unit';
    assert.throws(() => dataHome(), /a unit test \(\*\.unit\.test\.ts\) must not use the data sets/);
    assert.throws(() => void runCli(['--help']), /must not use the mmx CLI/);
    assert.throws(() => new TestRedis(1, 'x'), /must not use Redis/);
  });
});
