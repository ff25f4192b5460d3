/** The CLI's paths do not depend on where it runs: the same verdict from any working directory, files named relative to it. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const MANIFEST = 'id,x,label,split\n1,0.5,0,train\n2,1.5,1,train\n3,2.5,0,validation\n4,3.5,1,test\n';
const config = (dataPath: string) =>
  `name: t\ndata:\n  path: ${dataPath}\n  split: {column: split}\ntarget: {column: label}\ninputs:\n  x: {type: numeric, column: x}\n`;

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A config in `<tmp>/cfg/` and a working directory four levels deeper elsewhere. */
function layout() {
  const root = tempDir('mmx-cwd-');
  const cfgDir = path.join(root, 'cfg');
  const deep = path.join(root, 'a', 'b', 'c', 'd');
  mkdirSync(deep, { recursive: true });
  write(path.join(cfgDir, 'm.csv'), MANIFEST);
  return { root, cfgDir, deep };
}

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
