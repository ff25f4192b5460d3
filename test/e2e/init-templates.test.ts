/** Every `mmx init --template` starter validates and runs on the built-in data set it names (the shared copy). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initTemplates } from '../../src/cli/init-templates.js';
import { runCli } from '../helpers/cli.js';
import { dataHome } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** Kept short: one epoch, and fewer rows of the larger data sets. */
const quick: Record<string, string[]> = {
  'image-audio': ['data.limit=400'],
  text: ['data.limit=1500'],
  tabular: [],
};

describe('mmx init starters on real data', () => {
  for (const t of initTemplates) {
    it(`${t.name}: mmx init, validate and run (1 epoch) on ${t.dataset}`, { timeout: 240_000 }, async () => {
      const dir = tempDir('mmx-init-e2e-');
      const env = { MMX_DATA_HOME: dataHome() };
      const init = await runCli(['init', 'exp.yaml', '--template', t.name], { cwd: dir, env });
      assert.equal(init.code, 0, init.stderr);
      const valid = await runCli(['validate', 'exp.yaml'], { cwd: dir, env });
      assert.equal(valid.code, 0, valid.stderr);
      assert.match(valid.stdout, /^exp\.yaml: ok \([\d,]+ rows/);
      const sets = ['training.epochs=1', ...(quick[t.name] ?? [])].flatMap((s) => ['--set', s]);
      const run = await runCli(['run', 'exp.yaml', '--json', ...sets], { cwd: dir, env, timeoutMs: 230_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { status: string }).status, 'FINISHED');
    });
  }
});
