/** The unit tier's rule (test/unit.ts) is enforced: in it, the helpers refuse the data sets, the CLI and Redis. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { dataHome, repoRoot } from '../helpers/data.js';
import { TestRedis } from '../sweep/fixtures/queue-redis.js';

describe('npm run test:unit', () => {
  afterEach(() => delete process.env.MMX_TEST_TIER);

  it('is a script of its own, beside the full npm test', () => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['test:unit']!, /test\/unit\.ts$/);
    assert.match(scripts.test!, /test\/\*\/\*\.test\.ts$/);
  });

  it('a unit test cannot reach the data sets, start the CLI or Redis', () => {
    assert.ok(dataHome());
    process.env.MMX_TEST_TIER = 'unit';
    assert.throws(() => dataHome(), /a unit test \(\*\.unit\.test\.ts\) must not use the data sets/);
    assert.throws(() => void runCli(['--help']), /must not use the mmx CLI/);
    assert.throws(() => new TestRedis(1, 'x'), /must not use Redis/);
  });
});
