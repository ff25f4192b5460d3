/** `mmx init`: a starter per modality mix, with a `$schema` path relative to the written file. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { initCommand, schemaFile } from '../../src/cli/commands/init.js';
import { initTemplates } from '../../src/cli/init-templates.js';
import { loadConfig } from '../../src/experiment/load.js';
import { UsageError } from '../../src/errors.js';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

const sink = () => {
  let text = '';
  return { stream: new Writable({ write: (c, _e, done) => ((text += String(c)), done()) }), text: () => text };
};

describe('mmx init', () => {
  it('offers image-audio, text and tabular starters', () => {
    assert.deepEqual(
      initTemplates.map((t) => t.name),
      ['image-audio', 'text', 'tabular'],
    );
  });

  for (const t of initTemplates) {
    it(`--template ${t.name}: a valid config with a relative $schema path that exists`, () => {
      const dir = tempDir('mmx-init-');
      mkdirSync(path.join(dir, 'exp', 'deeper'), { recursive: true });
      const out = sink();
      assert.equal(initCommand(path.join('exp', 'deeper', 'x.yaml'), { template: t.name }, { stdout: out.stream }, dir), 0);
      const file = path.join(dir, 'exp', 'deeper', 'x.yaml');
      const text = readFileSync(file, 'utf8');
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)![1]!;
      assert.ok(!path.isAbsolute(ref) && !ref.includes('://'), ref);
      assert.equal(path.resolve(path.dirname(file), ref), path.join(repoRoot, 'schemas', 'experiment.schema.json'));
      assert.ok(existsSync(schemaFile()));
      const loaded = loadConfig(file, { env: {} });
      assert.equal(loaded.config.data.dataset, t.dataset);
      assert.match(out.text(), new RegExp(`wrote exp/deeper/x\\.yaml \\(${t.name}`));
    });
  }

  it('the single-input text starter gets no hidden layers; the tabular one lists its numeric columns alone', () => {
    const dir = tempDir('mmx-init-');
    const out = sink();
    initCommand('text.yaml', { template: 'text' }, { stdout: out.stream }, dir);
    assert.deepEqual(loadConfig(path.join(dir, 'text.yaml'), { env: {} }).config.fusion.hidden, []);
    initCommand('tab.yaml', { template: 'tabular' }, { stdout: out.stream }, dir);
    assert.equal(loadConfig(path.join(dir, 'tab.yaml'), { env: {} }).config.inputs.measurements!.column, 'bill_length_mm');
  });

  it('an unknown template or an existing file is a usage error', () => {
    const dir = tempDir('mmx-init-');
    const out = sink();
    assert.throws(
      () => initCommand('x.yaml', { template: 'tabluar' }, { stdout: out.stream }, dir),
      (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, /unknown template 'tabluar' \(did you mean 'tabular'\?\); one of: image-audio, text, tabular/);
        return true;
      },
    );
    initCommand('x.yaml', {}, { stdout: out.stream }, dir);
    assert.throws(() => initCommand('x.yaml', {}, { stdout: out.stream }, dir), /already exists \(use --force/);
    assert.equal(initCommand('x.yaml', { force: true, template: 'text' }, { stdout: out.stream }, dir), 0);
  });
});
