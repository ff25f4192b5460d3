/**
 * ONE table of MLflow search filters, written from MLflow 2.x's grammar (mlflow/utils/search_utils.py:
 * SearchUtils._get_identifier, _get_value, _join_in_comparison_tokens, the VALID_* comparator sets and
 * RunInfo's searchable attributes), not from mmx's own parser: what MLflow accepts and which runs it
 * returns, and what it rejects. search-grammar.test.ts runs every case against both stores.
 *
 * The runs (created the same way in each store):
 *   r-gated    FINISHED  start 1000  fusion.type=gated   lr=0.001  test_accuracy 0.95  val_loss 0.1  mmx.backend=wasm
 *   r-concat   FINISHED  start 2000  fusion.type=concat  lr=0.01   test_accuracy 0.85               mmx.backend=cpu
 *   r-failed   FAILED    start 3000  fusion.type=Gated             test_accuracy 0.91
 *   r-running  RUNNING   start 4000  (nothing logged)
 */

export interface SeedRun {
  name: string;
  start: number;
  status: 'FINISHED' | 'FAILED' | 'RUNNING';
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export const SEED_RUNS: SeedRun[] = [
  {
    name: 'r-gated',
    start: 1000,
    status: 'FINISHED',
    params: { 'fusion.type': 'gated', lr: '0.001' },
    metrics: { test_accuracy: 0.95, val_loss: 0.1 },
    tags: { 'mmx.backend': 'wasm' },
  },
  {
    name: 'r-concat',
    start: 2000,
    status: 'FINISHED',
    params: { 'fusion.type': 'concat', lr: '0.01' },
    metrics: { test_accuracy: 0.85 },
    tags: { 'mmx.backend': 'cpu' },
  },
  { name: 'r-failed', start: 3000, status: 'FAILED', params: { 'fusion.type': 'Gated' }, metrics: { test_accuracy: 0.91 }, tags: {} },
  { name: 'r-running', start: 4000, status: 'RUNNING', params: {}, metrics: {}, tags: {} },
];

const ALL = ['r-concat', 'r-failed', 'r-gated', 'r-running'];

/** A filter, or one made from the runs' ids in the store under test (ids differ between stores). */
export type FilterCase = string | ((idOf: (name: string) => string) => string);

/** Accepted: the filter and the names of the runs MLflow returns (sorted). */
export const ACCEPTED: [FilterCase, string[]][] = [
  ['', ALL],
  ['metrics.test_accuracy > 0.9', ['r-failed', 'r-gated']],
  ['metrics.test_accuracy >= 0.85 and metrics.test_accuracy < 0.95', ['r-concat', 'r-failed']],
  ['metric.test_accuracy = 0.85', ['r-concat']],
  ['metrics.test_accuracy != 0.85', ['r-failed', 'r-gated']],
  ['metrics.test_accuracy > -1', ['r-concat', 'r-failed', 'r-gated']],
  ['metrics.test_accuracy < 1e0 AND metrics.test_accuracy > .9', ['r-failed', 'r-gated']],
  // a run without the metric does not match, != included (the comparison is a join)
  ['metrics.val_loss != 5', ['r-gated']],
  ["params.fusion.type = 'gated'", ['r-gated']],
  ["param.fusion.type LIKE 'g%'", ['r-gated']],
  ["parameters.fusion.type ILIKE 'g%'", ['r-failed', 'r-gated']],
  ["params.lr LIKE '0.0_1'", ['r-gated']],
  ['params.fusion.type = "concat"', ['r-concat']],
  ["tags.`mmx.backend` != 'cpu'", ['r-gated']],
  ['tag."mmx.backend" = \'cpu\'', ['r-concat']],
  ["tags.mmx.backend = 'wasm'", ['r-gated']],
  ["tags.`mlflow.runName` = 'r-concat'", ['r-concat']],
  // a name without an entity is an attribute
  ["status = 'FINISHED'", ['r-concat', 'r-gated']],
  ["attributes.status != 'FINISHED'", ['r-failed', 'r-running']],
  ["`attributes`.status = 'FAILED'", ['r-failed']],
  ["attr.run_name LIKE 'r-%'", ALL],
  ["run.run_name = 'r-gated'", ['r-gated']],
  ["`Run name` = 'r-concat'", ['r-concat']],
  ['attributes.created >= 2000', ['r-concat', 'r-failed', 'r-running']],
  ['attributes.start_time < 2000', ['r-gated']],
  ['attributes.end_time > 0', ['r-concat', 'r-failed', 'r-gated']],
  [(id) => `attributes.run_id IN ('${id('r-gated')}', '${id('r-failed')}')`, ['r-failed', 'r-gated']],
  [(id) => `attributes.run_id NOT IN ('${id('r-gated')}')`, ['r-concat', 'r-failed', 'r-running']],
  [(id) => `attributes.run_id = '${id('r-concat')}'`, ['r-concat']],
  // datasets.* is valid; mmx logs no dataset inputs, so no run matches
  ["datasets.name = 'mnist'", []],
  ["dataset.digest IN ('abc', 'def')", []],
  ["datasets.context LIKE 'train%'", []],
  ["metrics.test_accuracy > 0.9 AND params.fusion.type ILIKE 'gated' and status = 'FINISHED'", ['r-gated']],
];

/** Rejected: the filter, and what the file store's message must say. */
export const REJECTED: [string, RegExp][] = [
  ["attributes.status IN ('FINISHED', 'FAILED')", /only attributes\.run_id can be compared with a list/],
  ["attributes.lifecycle_stage = 'active'", /'lifecycle_stage' is not a searchable run attribute/],
  ["attributes.run_uuid = 'x'", /'run_uuid' is not a searchable run attribute/],
  ["attributes.STATUS = 'FINISHED'", /'STATUS' is not a searchable run attribute/],
  ['accuracy > 0.9', /'accuracy' is not a searchable run attribute.*metrics\.accuracy/],
  ['METRICS.acc > 1', /entity types are lower case/],
  ['metricz.acc > 1', /'metricz' is not an entity type/],
  ['"metrics.acc" > 1', /'metrics\.acc' is not a searchable run attribute/],
  ["metrics.acc > 0.9 or params.x = 'y'", /no OR/],
  ['(metrics.acc > 0.9)', /no parentheses/],
  ["metrics.acc = 'high'", /expected a number/],
  ['params.lr > 0.1', /'>' cannot compare the param params\.lr/],
  ['params.lr = 0.1', /expected a string in single or double quotes/],
  ['tags.t = `x`', /expected a string in single or double quotes/],
  ["metrics.acc LIKE '0.9%'", /'LIKE' cannot compare the metric/],
  ['metrics.acc <> 1', /'<>' is not an MLflow comparator/],
  ['metrics.acc == 1', /'==' is not an MLflow comparator/],
  ["params.x IN ('a')", /'IN' cannot compare the param/],
  ["metrics.acc NOT LIKE 'x'", /expected a comparison operator/],
  ["attributes.start_time = '5'", /expected a number/],
  ["datasets.size = 'x'", /'size' is not a dataset key/],
  ['attributes.run_id IN ()', /the list is empty/],
  ['attributes.run_id IN ("a")', /a list holds strings in single quotes/],
  ['metrics.val-loss > 1', /unexpected character '-'/],
  ['metrics.acc > +1', /unexpected character '\+'/],
  ['metrics.acc > 0x1F', /unexpected character '0'/],
  ['metrics.acc >', /ends/],
  ["params.x = 'a' params.y = 'b'", /expected 'and'/],
  ["params.x = 'open", /not closed/],
];
