/**
 * training.repeats / `mmx run --repeat N`: hand-computed statistics, the repeats' configs, and end to end one parent
 * run with N child runs whose test metrics' mean, sd and 95 % CI it logs, shown as `mean ± sd` by mmx runs.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatMeanSd, repeatStats, tQuantile975 } from '../../src/evaluate/repeat-stats.js';
import { repeatConfig } from '../../src/runner/repeats.js';
import type { ExperimentConfig } from '../../src/experiment/schema.js';
import { runCli } from '../helpers/cli.js';
import { planSweep } from '../../src/sweep/plan.js';
import { ConfigError } from '../../src/config/issues.js';
import { writeTabularManifest } from '../helpers/tabular.js';
import { tempDir } from '../helpers/tmp.js';

describe('repeat statistics', () => {
  it('mean, sample sd and the t-based 95 % interval, by hand', () => {
    const s = repeatStats([0.99, 0.992, 0.988]);
    assert.ok(Math.abs(s.mean - 0.99) < 1e-12);
    assert.ok(Math.abs(s.sd - 0.002) < 1e-12); // sqrt((1e-6·(0+4+4))/2) = 0.002
    assert.ok(Math.abs(s.ci95 - (4.303 * 0.002) / Math.sqrt(3)) < 1e-12);
    assert.equal(formatMeanSd(s.mean, s.sd), '0.990 ± 0.002');
    assert.equal(formatMeanSd(0.5, 0.00042), '0.5000 ± 0.0004');
    assert.equal(tQuantile975(1), 12.706);
    const one = repeatStats([0.7]);
    assert.equal(one.sd, 0);
    assert.ok(Number.isNaN(one.ci95));
  });

  it('repeat i: seed + i, a ratio split kept on the first seed, no repeats of its own', () => {
    const config = {
      seed: 42,
      data: { path: 'm.csv', split: { ratios: { train: 0.8, validation: 0.1, test: 0.1 }, stratify: false } },
      training: { epochs: 2, repeats: 3 },
    } as unknown as ExperimentConfig;
    const c = repeatConfig(config, 2);
    assert.equal(c.seed, 44);
    assert.equal(c.data.split?.seed, 42);
    assert.equal('repeats' in c.training, false);
    assert.equal(config.training.repeats, 3, 'the original is left as it was');
  });
});

describe('repeats in a sweep', () => {
  it('are refused, at training.repeats, with what to do instead', () => {
    const dir = tempDir('mmx-repeats-sweep-');
    const rows = [
      'a,label,split',
      ...Array.from({ length: 30 }, (_, i) => `${i / 30},c${i % 2},${['train', 'validation', 'test'][i % 3]}`),
    ];
    writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
    const file = path.join(dir, 'exp.yaml');
    writeFileSync(
      file,
      `name: s
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, encoder: {type: dense, layers: [4], output_dim: 4}}
training: {epochs: 1, repeats: 3}
sweep:
  method: grid
  metric: {name: val_accuracy, goal: maximize}
  parameters:
    training.batch_size: {values: [8, 16]}
`,
    );
    assert.throws(
      () => planSweep(file, { baseDir: dir }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /exp\.yaml:6:\d+: training\.repeats: mmx sweep does not run repeats per trial yet/.test(err.format(dir)),
    );
  });
});

describe('mmx run --repeat', () => {
  it('3 seeds as child runs of one parent that logs mean, sd and CI of every test metric', { timeout: 600_000 }, async () => {
    const dir = tempDir('mmx-repeats-');
    writeTabularManifest(dir, { train: 160, validation: 40, test: 40 });
    writeFileSync(
      path.join(dir, 'exp.yaml'),
      `name: rep
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: 2, batch_size: 16}
tracking: {uri: runs, experiment: rep}
`,
    );
    const bad = await runCli(['run', 'exp.yaml', '--repeat', '0'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /training\.repeats/);

    const r = await runCli(['run', 'exp.yaml', '--plain', '--repeat', '3'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 repeats \(seeds 42, 43, 44\), parent run [0-9a-f]{32}: mean ± sd/);
    assert.match(r.stdout, /test_accuracy\s+\d\.\d+ ± \d\.\d+\s+\(95% CI /);

    const root = path.join(dir, 'runs');
    const exp = readdirSync(root).find((d) => /^\d+$/.test(d) && d !== '0')!;
    const runs = readdirSync(path.join(root, exp)).filter((d) => /^[0-9a-f]{32}$/.test(d));
    assert.equal(runs.length, 4);
    const tag = (run: string, name: string): string | undefined => {
      try {
        return readFileSync(path.join(root, exp, run, 'tags', name), 'utf8');
      } catch {
        return undefined;
      }
    };
    const metric = (run: string, key: string): number =>
      Number(readFileSync(path.join(root, exp, run, 'metrics', key), 'utf8').split(' ')[1]);
    const parent = runs.find((id) => tag(id, 'mmx.repeats') === '3')!;
    assert.ok(parent);
    const children = runs.filter((id) => tag(id, 'mlflow.parentRunId') === parent);
    assert.equal(children.length, 3);
    assert.deepEqual(children.map((id) => tag(id, 'mmx.repeat.seed')).sort(), ['42', '43', '44']);
    // each child trained with its own seed (its params say so)
    assert.deepEqual(children.map((id) => readFileSync(path.join(root, exp, id, 'params', 'seed'), 'utf8')).sort(), ['42', '43', '44']);
    const values = children.map((id) => metric(id, 'test_accuracy'));
    const s = repeatStats(values);
    assert.ok(Math.abs(metric(parent, 'test_accuracy') - s.mean) < 1e-9);
    assert.ok(Math.abs(metric(parent, 'test_accuracy_sd') - s.sd) < 1e-9);
    assert.ok(Math.abs(metric(parent, 'test_accuracy_ci95') - s.ci95) < 1e-9);
    assert.equal(readFileSync(path.join(root, exp, parent, 'params', 'training.epochs'), 'utf8'), '2');
    assert.match(readFileSync(path.join(root, exp, parent, 'meta.yaml'), 'utf8'), /^status: 3$/m);

    const listed = await runCli(['runs', '--uri', 'runs', '--columns', 'metrics.test_accuracy'], { cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${parent.slice(0, 8)}.*\\d\\.\\d+ ± \\d\\.\\d+`));
  });
});
