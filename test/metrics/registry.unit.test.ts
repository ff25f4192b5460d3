/**
 * The metric registry: every definition is well formed, the generated catalog lists every file of
 * src/metrics/definitions/ (in the order metrics were added), and the facts derived from it — the metrics of each
 * task, the defaults, the direction of a logged metric, the order a run reports them in — are the ones mmx has
 * always had.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { taskNames } from '../../src/core/tasks.js';
import { catalogFiles, METRIC_CATALOG_PATH, METRIC_DEFINITIONS_DIR, metricCatalogModule } from '../../src/metrics/catalog-code.js';
import { metricCatalog } from '../../src/metrics/generated/catalog.js';
import { labelInput } from '../../src/metrics/inputs.js';
import {
  alwaysReported,
  computeMetrics,
  defaultMetrics,
  findMetric,
  metricDirection,
  metricNames,
  metricRange,
  taskMetrics,
} from '../../src/metrics/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the metric catalog', () => {
  it('is fresh: one entry per definition file (npm run schema writes it)', () => {
    const files = readdirSync(path.join(root, METRIC_DEFINITIONS_DIR))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3));
    const current = readFileSync(path.join(root, METRIC_CATALOG_PATH), 'utf8');
    assert.equal(current, metricCatalogModule(files, current), 'src/metrics/generated/catalog.ts is stale: run npm run schema');
    assert.equal(metricCatalog.length, files.length);
  });

  it('keeps the order metrics were added in: a new file goes last, a removed one leaves', () => {
    const before = metricCatalogModule(['b-metric', 'a-metric'], '');
    assert.deepEqual(catalogFiles(before), ['a-metric', 'b-metric']);
    const previous =
      before.replace("import aMetric from '../definitions/a-metric.js';\n", '') + "import aMetric from '../definitions/a-metric.js';\n";
    assert.deepEqual(catalogFiles(previous), ['b-metric', 'a-metric']);
    assert.deepEqual(catalogFiles(metricCatalogModule(['a-metric', 'c-metric', 'b-metric'], previous)), [
      'b-metric',
      'a-metric',
      'c-metric',
    ]);
    assert.deepEqual(catalogFiles(metricCatalogModule(['c-metric', 'a-metric'], previous)), ['a-metric', 'c-metric']);
    assert.match(metricCatalogModule(['roc-auc'], ''), /import rocAuc from '\.\.\/definitions\/roc-auc\.js';/);
  });

  it('holds well-formed definitions with unique names', () => {
    assert.equal(new Set(metricNames).size, metricNames.length);
    for (const m of metricCatalog) {
      assert.ok(m.label.length > 0, m.name);
      assert.ok(m.range[0] < m.range[1], `${m.name}: range ${m.range.join('..')}`);
      assert.ok(m.tasks.length > 0, `${m.name}: no task`);
      for (const t of m.defaultFor) assert.ok(m.tasks.includes(t), `${m.name}: default for ${t}, which it does not compute`);
    }
  });
});

describe('facts derived from the definitions', () => {
  it('the metrics of each task, in the order the schema and the error messages list them', () => {
    assert.deepEqual(taskMetrics('classification').slice(0, 3), ['accuracy', 'macro_f1', 'weighted_f1']);
    assert.deepEqual(taskMetrics('binary').slice(0, 6), ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'macro_f1']);
    assert.deepEqual(taskMetrics('multilabel').slice(0, 4), ['micro_f1', 'macro_f1', 'subset_accuracy', 'hamming_loss']);
    assert.deepEqual(taskMetrics('regression').slice(0, 4), ['mae', 'rmse', 'mse', 'r2']);
    for (const t of taskNames) assert.ok(taskMetrics(t).every((m) => findMetric(m)!.tasks.includes(t)));
  });

  it('the defaults of each task', () => {
    assert.deepEqual(defaultMetrics('classification'), ['accuracy', 'macro_f1']);
    assert.deepEqual(defaultMetrics('binary'), ['accuracy', 'f1', 'roc_auc']);
    assert.deepEqual(defaultMetrics('multilabel'), ['micro_f1', 'macro_f1', 'subset_accuracy']);
    assert.deepEqual(defaultMetrics('regression'), ['mae', 'rmse', 'r2']);
    assert.deepEqual(alwaysReported('classification'), ['accuracy']);
    assert.deepEqual(alwaysReported('regression'), []);
  });

  it('the direction of a logged metric, split prefix or not; losses and errors of unknown names are minimised', () => {
    for (const k of ['loss', 'val_loss', 'train_loss', 'train_total_loss', 'val_hamming_loss', 'test_mae', 'val_rmse', 'mse', 'val_error'])
      assert.equal(metricDirection(k), 'min', k);
    for (const k of ['val_accuracy', 'test_macro_f1', 'val_r2', 'roc_auc', 'val_f1', 'samples_per_sec'])
      assert.equal(metricDirection(k), 'max', k);
    assert.deepEqual(metricRange('val_accuracy'), [0, 1]);
    assert.equal(metricRange('test_r2')![1], 1);
    assert.equal(metricRange('samples_per_sec'), undefined);
  });

  it('computes the requested metrics: loss first, then the always-reported ones, then those asked, in that order', () => {
    const input = labelInput(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 1, 1]), ['a', 'b']);
    const m = computeMetrics('classification', input, ['macro_f1', 'not_a_metric', 'roc_auc'], 0.5);
    assert.deepEqual(Object.keys(m), ['loss', 'accuracy', 'macro_f1']);
    assert.equal(m.accuracy, 0.75);
    // a: P 1 R .5 F1 2/3; b: P 2/3 R 1 F1 .8
    assert.ok(Math.abs(m.macro_f1! - (2 / 3 + 0.8) / 2) < 1e-12);
  });
});
