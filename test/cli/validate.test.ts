/**
 * `mmx validate` finds before any run what `mmx run` would stop on — every file a manifest names, empty splits, a
 * single class, a model too large — with schema problems in the same pass; and hostile configs (an alias bomb, a
 * device or a FIFO as a config) are exit 2 with a position, never a hang or a stack. `mmx run` refuses the
 * impossible configs before a run exists.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { dataPath } from '../helpers/data.js';
import { avmnistSubset } from '../helpers/subset.js';
import { tempDir } from '../helpers/tmp.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, `stack trace printed:\n${s}`);

const CONFIG = `name: validate-me
data:
  path: manifest.csv
  split: {column: split}
target: {column: label}
inputs:
  image: {type: image, column: image_path}
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000}}
fusion: {type: concat, hidden: [32]}
training: {epochs: 1}
tracking: {uri: runs}
`;

/** A folder with a 40-row subset of the real AV-MNIST data and the config above. */
function setup(): { dir: string; manifest: string; lines: string[] } {
  const dir = tempDir('mmx-validate-');
  dirs.push(dir);
  const manifest = avmnistSubset(dir, { train: 2, validation: 1, test: 1 });
  writeFileSync(path.join(dir, 'exp.yaml'), CONFIG);
  return { dir, manifest, lines: readFileSync(manifest, 'utf8').split('\n') };
}

/** Sets column `col` (0 image, 1 audio, 2 label, 3 split) of manifest row `row` (1-based, after the header). */
function setCell(lines: string[], row: number, col: number, value: string): void {
  const cells = lines[row]!.split(',');
  cells[col] = value;
  lines[row] = cells.join(',');
}

describe('mmx validate: what a run would find in the data', () => {
  it('a good config: ok, with every file checked', { timeout: 120_000 }, async () => {
    const { dir } = setup();
    const r = await runCli(['validate', 'exp.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /exp\.yaml: ok \(40 rows; 80 files checked in \d+\.\d\d s; .*parameters\)/);
  });

  it(
    'missing files, a WAV in the image column, a device, a FIFO, an empty file — per row and column, with a schema typo, in one pass',
    { timeout: 120_000 },
    async () => {
      const { dir, manifest, lines } = setup();
      setCell(lines, 2, 0, 'nope.png');
      setCell(lines, 3, 0, dataPath('fsdd', 'recordings', '0_george_0.wav'));
      setCell(lines, 4, 1, '/dev/zero');
      const fifo = path.join(dir, 'pipe.wav');
      execFileSync('mkfifo', [fifo]);
      setCell(lines, 5, 1, 'pipe.wav');
      writeFileSync(path.join(dir, 'empty.png'), '');
      setCell(lines, 6, 0, 'empty.png');
      setCell(lines, 7, 1, dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'));
      writeFileSync(manifest, lines.join('\n'));
      writeFileSync(path.join(dir, 'exp.yaml'), CONFIG.replace('training: {epochs: 1}', 'training: {epochs: 1, batchsize: 8}'));
      const r = await runCli(['validate', 'exp.yaml'], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(r.code, 2, r.stderr);
      noStack(r.stderr);
      const out = r.stderr;
      assert.match(out, /exp\.yaml:10:\d+: training\.batchsize: unknown key 'batchsize' \(did you mean 'batch_size'\?\)/);
      assert.match(out, /^manifest\.csv:3: row 2, column image_path: cannot decode image: file not found: nope\.png$/m);
      assert.match(
        out,
        /^manifest\.csv:4: row 3, column image_path: cannot decode image: not an image mmx reads .*: it looks like a WAV audio file: /m,
      );
      assert.match(
        out,
        /^manifest\.csv:5: row 4, column audio_path: cannot decode audio: is a character device, not a regular file: \/dev\/zero$/m,
      );
      assert.match(
        out,
        /^manifest\.csv:6: row 5, column audio_path: cannot decode audio: is a FIFO \(named pipe\), not a regular file: pipe\.wav$/m,
      );
      assert.match(out, /^manifest\.csv:7: row 6, column image_path: cannot decode image: file is empty: empty\.png/m);
      assert.match(out, /^manifest\.csv:8: row 7, column audio_path: cannot decode audio: not a WAV file \(looks like an image/m);
      assert.equal(out.trim().split('\n').length, 7, out);
    },
  );

  it(
    'an empty training split, a single class, a model too large — before any run, and mmx run refuses them too',
    { timeout: 180_000 },
    async () => {
      const { dir, manifest, lines } = setup();
      // every training row labelled 0: one class
      const single = lines.map((l, i) => (i > 0 && l.endsWith(',train') ? l.replace(/,\d+,train$/, ',0,train') : l));
      writeFileSync(path.join(dir, 'single.csv'), single.join('\n'));
      writeFileSync(path.join(dir, 'single.yaml'), CONFIG.replace('path: manifest.csv', 'path: single.csv'));
      // 40 rows cut 0.01 / 0.5 / 0.49: no training row left
      writeFileSync(
        path.join(dir, 'ratios.yaml'),
        CONFIG.replace('split: {column: split}', 'split: {ratios: {train: 0.01, validation: 0.5, test: 0.49}}'),
      );
      writeFileSync(path.join(dir, 'huge.yaml'), CONFIG.replace('hidden: [32]', 'hidden: [65536, 65536]'));
      const r = await runCli(['validate', 'single.yaml', 'ratios.yaml', 'huge.yaml'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      noStack(r.stderr);
      assert.match(r.stderr, /^single\.csv: column label: the training split has 1 class\(es\); classification needs at least 2$/m);
      assert.match(r.stderr, /^manifest\.csv: the train split is empty \(use more rows, or a larger ratio for it\)$/m);
      assert.match(
        r.stderr,
        /^huge\.yaml:9:\d+: fusion\.hidden\[1\]: the model would need about \d+\.\d GiB to train, over runtime\.max_model_memory_mb \(8,192 MiB\): .* \(lower fusion\.hidden\[1\], or raise runtime\.max_model_memory_mb on a machine with the memory\)$/m,
      );
      assert.equal(r.stderr.trim().split('\n').length, 3, r.stderr);
      assert.ok(readFileSync(manifest, 'utf8').length > 0);

      const run = await runCli(['run', 'huge.yaml', '--plain'], { cwd: dir });
      assert.equal(run.code, 2, run.stderr);
      noStack(run.stderr);
      assert.match(run.stderr, /fusion\.hidden\[1\]: the model would need about/);
      const single2 = await runCli(['run', 'single.yaml', '--plain'], { cwd: dir });
      assert.equal(single2.code, 2, single2.stderr);
      assert.match(single2.stderr, /the training split has 1 class/);
      // no run was created for either
      assert.equal(existsSync(path.join(dir, 'runs')), false);
    },
  );
});

describe('mmx validate: hostile configs are exit 2 with a position', () => {
  it(
    'an alias bomb, a duplicate key, extends: /dev/zero, a FIFO, a __proto__ --set: one line each, no hang',
    { timeout: 120_000 },
    async () => {
      const { dir } = setup();
      const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 10; i++) bomb.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
      writeFileSync(path.join(dir, 'bomb.yaml'), CONFIG + bomb.join('\n') + '\n');
      writeFileSync(path.join(dir, 'dup.yaml'), 'name: a\nseed: 1\nseed: 2\n' + CONFIG.replace('name: validate-me\n', ''));
      writeFileSync(path.join(dir, 'zero.yaml'), 'extends: /dev/zero\n' + CONFIG);
      execFileSync('mkfifo', [path.join(dir, 'fifo.yaml')]);
      const r = await runCli(['validate', 'bomb.yaml', 'dup.yaml', 'zero.yaml', 'fifo.yaml'], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(r.signal, null, 'killed: it hung');
      assert.equal(r.code, 2, r.stderr);
      noStack(r.stderr);
      assert.match(r.stderr, /^bomb\.yaml:\d+:\d+: a\d\[\d\]: YAML aliases expand to more than 10,000 values \(an alias bomb\?\)/m);
      assert.match(r.stderr, /^dup\.yaml:3:1: seed: 'seed' is defined twice \(first at 2:1\) \(remove one of them\)$/m);
      assert.match(r.stderr, /^zero\.yaml:1:10: extends: cannot read config: is a character device, not a regular file: \/dev\/zero/m);
      assert.match(r.stderr, /^fifo\.yaml: cannot read config: is a FIFO \(named pipe\), not a regular file/m);
      assert.equal(r.stderr.trim().split('\n').length, 4, r.stderr);

      const set = await runCli(['validate', 'exp.yaml', '--set', '__proto__.polluted=1', '--set', 'inputs.image.columns.99=x'], {
        cwd: dir,
      });
      assert.equal(set.code, 2, set.stderr);
      assert.match(set.stderr, /^--set __proto__\.polluted=1: '__proto__' cannot be used as a key/m);
      assert.match(set.stderr, /^--set inputs\.image\.columns\.99=x: inputs\.image\.columns: unknown key 'columns'/m);
      assert.equal(set.stderr.trim().split('\n').length, 2, set.stderr);
    },
  );
});
