/**
 * "Best epoch" has one definition everywhere: a short real run whose validation loss is lowest early (the labels
 * are noise, so the model only overfits) and whose last epoch's weights are the ones evaluated (early stopping
 * off, the default). The plain lines, the `best_epoch` / `evaluated_epoch` metrics, the `mmx.best_epoch` /
 * `mmx.evaluated_epoch` tags, metrics.json, the learning-curves plot and report.html must all name the same two
 * epochs; with `restore_best` the evaluated epoch is the best one.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const EPOCHS = 12;

/** 300 rows of noise: 6 numeric columns, a label that does not depend on them. */
function noiseManifest(file: string): void {
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = ['x1,x2,x3,x4,x5,x6,label,split'];
  for (let i = 0; i < 300; i++) {
    const split = i < 200 ? 'train' : i < 250 ? 'validation' : 'test';
    const xs = Array.from({ length: 6 }, () => (rand() * 4 - 2).toFixed(4));
    rows.push([...xs, ['a', 'b', 'c'][Math.floor(rand() * 3)], split].join(','));
  }
  writeFileSync(file, rows.join('\n') + '\n');
}

const config = (extra: string): string => `name: best-epoch
seed: 3
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: classification}
inputs:
  x: {type: numeric, column: x1, columns: [x2, x3, x4, x5, x6], encoder: {type: dense, layers: [64, 64], output_dim: 64}}
fusion: {type: concat}
training:
  epochs: ${EPOCHS}
  batch_size: 16
  optimizer: {type: adam, learning_rate: 0.02}
${extra}tracking: {uri: runs, experiment: best}
`;

interface Seen {
  lines: string[];
  runDir: string;
  valLoss: number[];
}

async function run(dir: string, yaml: string): Promise<Seen> {
  writeFileSync(path.join(dir, 'exp.yaml'), yaml);
  const r = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const lines = r.stdout.split('\n');
  const artifacts = lines
    .find((l) => l.trimStart().startsWith('artifacts '))!
    .trim()
    .split(/\s+/)[1]!;
  const runDir = path.dirname(path.resolve(dir, artifacts));
  const valLoss = readFileSync(path.join(runDir, 'metrics', 'val_loss'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[1]));
  return { lines, runDir, valLoss };
}

const metric = (runDir: string, key: string): number =>
  Number(
    readFileSync(path.join(runDir, 'metrics', key), 'utf8')
      .trim()
      .split(' ')[1],
  );
const tag = (runDir: string, key: string): string => readFileSync(path.join(runDir, 'tags', key), 'utf8');

function checkAgree(seen: Seen, best: number, evaluated: number): void {
  const { lines, runDir } = seen;
  const epochLine = (e: number): string => lines.find((l) => l.startsWith(`epoch ${String(e).padStart(2)}/${EPOCHS} `))!;
  // the plain lines: the best epoch was a new best when it ended, and the verdict names both epochs
  assert.match(epochLine(best), /\* new best$/);
  for (let e = best + 1; e <= EPOCHS; e++) assert.doesNotMatch(epochLine(e), /new best/, `epoch ${e} after the best`);
  const verdict = lines.find((l) => l.startsWith('best epoch '));
  assert.ok(verdict, lines.join('\n'));
  assert.match(verdict, new RegExp(`^best epoch ${best} of ${EPOCHS} \\(val_loss \\d\\.\\d{3}\\)`));
  if (evaluated !== best) assert.match(verdict, new RegExp(`evaluated: epoch ${evaluated}( \\(the last\\))?$`));
  else assert.match(verdict, /, evaluated/);
  // metrics, tags, metrics.json
  assert.equal(metric(runDir, 'best_epoch'), best);
  assert.equal(metric(runDir, 'evaluated_epoch'), evaluated);
  assert.equal(tag(runDir, 'mmx.best_epoch'), String(best));
  assert.equal(tag(runDir, 'mmx.evaluated_epoch'), String(evaluated));
  assert.equal(tag(runDir, 'mmx.monitor'), 'val_loss');
  const json = JSON.parse(readFileSync(path.join(runDir, 'artifacts', 'metrics.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json.best_epoch, best);
  assert.equal(json.evaluated_epoch, evaluated);
  assert.equal(json.monitor, 'val_loss');
  assert.equal(json.best_value, seen.valLoss[best - 1]);
  // the plot and the report
  const svg = readFileSync(path.join(runDir, 'artifacts', 'plots', 'learning_curves.svg'), 'utf8');
  if (evaluated !== best) {
    assert.ok(svg.includes(`best: epoch ${best}`) && svg.includes(`evaluated: epoch ${evaluated}`), 'both epochs marked in the plot');
  } else {
    assert.ok(svg.includes(`best, evaluated: epoch ${best}`));
  }
  const html = readFileSync(path.join(runDir, 'artifacts', 'report.html'), 'utf8');
  assert.ok(html.includes(`best epoch ${best} (val_loss `) && html.includes(`evaluated: the weights of epoch ${evaluated}`));
}

describe('best epoch (end to end)', () => {
  const dir = tempDir('mmx-best-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  noiseManifest(path.join(dir, 'manifest.csv'));

  it(
    'names the lowest val_loss epoch best and the last one evaluated, everywhere, with early stopping off',
    { timeout: 300_000 },
    async () => {
      const seen = await run(dir, config(''));
      const best = seen.valLoss.indexOf(Math.min(...seen.valLoss)) + 1;
      assert.ok(best < EPOCHS, `the noise labels should make the model overfit (val_loss by epoch: ${seen.valLoss.join(', ')})`);
      checkAgree(seen, best, EPOCHS);
    },
  );

  it('evaluates the best epoch with restore_best', { timeout: 300_000 }, async () => {
    const seen = await run(dir, config(`  early_stopping: {monitor: val_loss, patience: ${EPOCHS}, restore_best: true}\n`));
    const best = seen.valLoss.indexOf(Math.min(...seen.valLoss)) + 1;
    checkAgree(seen, best, best);
  });
});
