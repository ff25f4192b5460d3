/**
 * `mmx evaluate` without `--split` warns when the rows include the model's training rows: counted from the split
 * column for a model trained with one; for a ratio split, when the file is the very manifest the run was trained
 * on. Held-out rows (`--split test`, another file) get no warning. Small synthetic tabular runs, one epoch.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../tracking/helpers.js';

function rows(n: number, withSplit: boolean): string[] {
  const out = [withSplit ? 'a,b,label,split' : 'a,b,label'];
  for (let i = 0; i < n; i++) {
    const split = i < n * 0.6 ? 'train' : i < n * 0.8 ? 'validation' : 'test';
    const cells = [((i * 37) % 11) / 11, ((i * 53) % 7) / 7, i % 2 ? 'x' : 'y'];
    out.push([...cells, ...(withSplit ? [split] : [])].join(','));
  }
  return out;
}

const config = (split: string): string => `name: overlap
data: {path: manifest.csv, split: ${split}}
target: {column: label, task: classification}
inputs:
  n: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [4], output_dim: 4}}
training: {epochs: 1, batch_size: 8}
tracking: {uri: runs, experiment: overlap}
`;

async function train(dir: string, split: string): Promise<string> {
  writeFileSync(path.join(dir, 'exp.yaml'), config(split));
  const r = await runCli(['run', 'exp.yaml', '--json'], { cwd: dir, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { run_id: string }).run_id;
}

async function evaluate(dir: string, runId: string, file: string, ...extra: string[]): Promise<string> {
  const r = await runCli(['evaluate', runId, file, '--uri', 'runs', '--json', ...extra], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  JSON.parse(r.stdout); // stdout stays one JSON document
  return r.stderr;
}

describe('mmx evaluate and training rows', () => {
  it('counts the training rows of a model trained with a split column', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-overlap-col-');
    writeFileSync(path.join(dir, 'manifest.csv'), rows(50, true).join('\n') + '\n');
    const runId = await train(dir, '{column: split}');
    const all = await evaluate(dir, runId, 'manifest.csv');
    assert.match(all, /^warning: 30 of 50 rows are in the model's training split \(split = 'train'\): metrics on them overstate/m);
    assert.match(all, /--split test evaluates the held-out test rows only/);
    assert.doesNotMatch(await evaluate(dir, runId, 'manifest.csv', '--split', 'test'), /warning/);
  });

  it('names the training manifest of a model trained with ratios, and not another file', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-overlap-ratio-');
    const lines = rows(50, false);
    writeFileSync(path.join(dir, 'manifest.csv'), lines.join('\n') + '\n');
    writeFileSync(path.join(dir, 'new.csv'), [lines[0], ...lines.slice(1, 11)].join('\n') + '\n');
    const runId = await train(dir, '{ratios: {train: 0.6, validation: 0.2, test: 0.2}}');
    assert.match(
      await evaluate(dir, runId, 'manifest.csv'),
      /^warning: manifest\.csv is the manifest the model was trained on \(the same sha256\), split by ratios: about 60% of its rows were used for training/m,
    );
    assert.doesNotMatch(await evaluate(dir, runId, 'new.csv'), /warning/);
  });
});
