/** The CLI's paths do not depend on where it runs: the same verdict from any working directory, files named relative to it. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { depthLayout, numericConfig, write } from '../helpers/depth-layout.js';

const config = numericConfig;
const layout = () => depthLayout('mmx-cwd-');

describe('the CLI from any working directory', () => {
  it('mmx validate gives the same verdict from any working directory, naming files relative to it', async () => {
    const { root, cfgDir, deep } = layout();
    const good = write(path.join(cfgDir, 'good.yaml'), config('m.csv'));
    const bad = write(path.join(cfgDir, 'bad.yaml'), config('nope.csv'));
    for (const cwd of [path.parse(root).root, deep]) {
      const ok = await runCli(['validate', good], { cwd });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /ok \(4 rows/);
      const r = await runCli(['validate', bad], { cwd });
      assert.equal(r.code, 2);
      assert.ok(
        r.stderr.startsWith(`${path.relative(cwd, bad)}:3:9: data.path: data file not found: ${path.join(cfgDir, 'nope.csv')}`),
        r.stderr,
      );
    }
    // a relative config path is relative to the working directory
    const rel = await runCli(['validate', path.join('cfg', 'good.yaml')], { cwd: root });
    assert.equal(rel.code, 0, rel.stderr);
  });
});
