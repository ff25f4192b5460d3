import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileFilter, parseFilter, parseOrderBy, SearchFilterError, sortRuns, tokenize } from '../../src/tracking/search-filter.js';
import type { RunData } from '../../src/tracking/tracker.js';

function run(
  id: string,
  over: Partial<{
    metrics: Record<string, number>;
    params: Record<string, string>;
    tags: Record<string, string>;
    status: RunData['info']['status'];
    start: number;
    name: string;
  }> = {},
): RunData {
  return {
    info: {
      runId: id,
      experimentId: '1',
      runName: over.name ?? id,
      artifactUri: `file:///x/${id}`,
      status: over.status ?? 'FINISHED',
      startTime: over.start ?? 0,
      userId: 'ann',
    },
    metrics: over.metrics ?? {},
    params: over.params ?? {},
    tags: over.tags ?? {},
  };
}

const runs = [
  run('r1', {
    metrics: { test_accuracy: 0.95, val_loss: 0.1 },
    params: { 'fusion.type': 'gated', lr: '0.001' },
    tags: { 'mmx.backend': 'wasm' },
    start: 3,
    name: 'avmnist-gated',
  }),
  run('r2', {
    metrics: { test_accuracy: 0.85 },
    params: { 'fusion.type': 'concat', lr: '0.01' },
    tags: { 'mmx.backend': 'cpu' },
    start: 2,
    name: 'avmnist-concat',
  }),
  run('r3', { metrics: { test_accuracy: 0.91 }, params: { 'fusion.type': 'Gated' }, status: 'FAILED', start: 1, name: 'other' }),
  run('r4', { start: 4, status: 'RUNNING', name: 'fresh' }),
];

function ids(filter: string): string[] {
  return runs.filter(compileFilter(filter)).map((r) => r.info.runId);
}

describe('search filter: parsing', () => {
  it('parses comparisons joined by AND, any case', () => {
    assert.deepEqual(parseFilter('metrics.test_accuracy > 0.9 and params.fusion.type = \'gated\' AND tags.`mmx.backend` != "cpu"'), [
      { type: 'metric', key: 'test_accuracy', comparator: '>', value: 0.9 },
      { type: 'param', key: 'fusion.type', comparator: '=', value: 'gated' },
      { type: 'tag', key: 'mmx.backend', comparator: '!=', value: 'cpu' },
    ]);
    assert.deepEqual(parseFilter("attributes.run_id IN ('ab12', 'cd34')"), [
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['ab12', 'cd34'] },
    ]);
    assert.deepEqual(parseFilter("status = 'FINISHED'"), [{ type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' }]);
    assert.deepEqual(parseFilter("`Run name` = 'x' and `attributes`.created > 5"), [
      { type: 'attribute', key: 'run_name', comparator: '=', value: 'x' },
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
    ]);
    assert.deepEqual(parseFilter('metric."val loss" <= -1e-3'), [{ type: 'metric', key: 'val loss', comparator: '<=', value: -0.001 }]);
    assert.deepEqual(parseFilter("run.run_id not in ('a')"), [{ type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['a'] }]);
    assert.deepEqual(parseFilter("datasets.name = 'mnist'"), [{ type: 'dataset', key: 'name', comparator: '=', value: 'mnist' }]);
    assert.deepEqual(parseFilter('  '), []);
    assert.deepEqual(parseFilter(undefined), []);
  });

  it('keeps dotted and numbered keys whole', () => {
    assert.deepEqual(parseFilter("params.inputs.image.encoder.filters = '[16,32]'")[0]!.key, 'inputs.image.encoder.filters');
    assert.deepEqual(parseFilter('metrics.f1.5 > 1')[0]!.key, 'f1.5');
    assert.deepEqual(parseFilter('metrics.2nd_loss > 1')[0]!.key, '2nd_loss');
  });

  it('rejects what MLflow rejects, with the reason', () => {
    const bad: [string, RegExp][] = [
      ["metrics.acc > 0.9 or params.x = 'y'", /has no OR/],
      ['accuracy > 0.9', /'accuracy' is not a searchable run attribute.*metrics\.accuracy/],
      ["attributes.status IN ('FINISHED')", /only attributes\.run_id can be compared with a list/],
      ["attributes.lifecycle_stage = 'active'", /'lifecycle_stage' is not a searchable run attribute/],
      ['METRICS.acc > 1', /entity types are lower case/],
      ['metrics.acc <> 1', /'<>' is not an MLflow comparator/],
      ["metrics.acc = 'high'", /expected a number, found ''high''/],
      ['params.lr > 0.1', /'>' cannot compare the param params\.lr/],
      ["metrics.acc LIKE '0.9%'", /'LIKE' cannot compare the metric/],
      ["attributes.color = 'red'", /'color' is not a searchable run attribute/],
      ["params.x = 'open", /not closed/],
      ['metrics.acc >', /ends/],
      ["metrics.acc > 1 params.x = 'y'", /expected 'and'/],
      ['metrics.val-loss > 1', /unexpected character '-'.*metrics\.`val-loss`/],
      ["params.x IN ('a')", /'IN' cannot compare the param/],
    ];
    for (const [f, re] of bad) {
      assert.throws(
        () => parseFilter(f),
        (e: unknown) => e instanceof SearchFilterError && re.test(e.message) && e.message.includes(f),
        f,
      );
    }
  });

  it('keeps a quoted value as written between its quotes, as MLflow does', () => {
    const t = tokenize("params.q = 'it''s' and tags.t = 'a\\'b'");
    const strings = t.filter((x) => x.kind === 'string').map((x) => x.text);
    assert.deepEqual(strings, ["it''s", "a\\'b"]);
  });
});

describe('search filter: evaluation', () => {
  it('compares latest metrics numerically', () => {
    assert.deepEqual(ids('metrics.test_accuracy > 0.9'), ['r1', 'r3']);
    assert.deepEqual(ids('metrics.test_accuracy >= 0.85 and metrics.test_accuracy < 0.95'), ['r2', 'r3']);
    assert.deepEqual(ids('metrics.test_accuracy = 0.85'), ['r2']);
  });

  it('leaves out runs that lack the key, for != too (as MLflow)', () => {
    assert.deepEqual(ids('metrics.val_loss != 5'), ['r1']);
    assert.deepEqual(ids("tags.`mmx.backend` != 'cpu'"), ['r1']);
  });

  it('matches params and tags exactly, with LIKE and with ILIKE', () => {
    assert.deepEqual(ids("params.fusion.type = 'gated'"), ['r1']);
    assert.deepEqual(ids("params.fusion.type LIKE 'g%'"), ['r1']);
    assert.deepEqual(ids("params.fusion.type ILIKE 'g%'"), ['r1', 'r3']);
    assert.deepEqual(ids("params.lr LIKE '0.0_'"), ['r2']);
    assert.deepEqual(ids("params.lr LIKE '0.0_1'"), ['r1']);
    assert.deepEqual(ids("params.lr LIKE '%.%'"), ['r1', 'r2']);
  });

  it('filters on attributes', () => {
    assert.deepEqual(ids("attributes.status = 'FINISHED'"), ['r1', 'r2']);
    assert.deepEqual(ids("attributes.status != 'FINISHED'"), ['r3', 'r4']);
    assert.deepEqual(ids("attributes.run_name LIKE 'avmnist-%'"), ['r1', 'r2']);
    assert.deepEqual(ids("attributes.run_id IN ('r2', 'r4')"), ['r2', 'r4']);
    assert.deepEqual(ids('attributes.start_time >= 3'), ['r1', 'r4']);
    assert.deepEqual(ids("attributes.user_id = 'ann'").length, 4);
    assert.deepEqual(ids("metrics.test_accuracy > 0.8 and attributes.status = 'FINISHED' and params.fusion.type = 'concat'"), ['r2']);
  });
});

describe('search filter: order', () => {
  it('parses order-by clauses', () => {
    assert.deepEqual(parseOrderBy('metrics.acc DESC'), { type: 'metric', key: 'acc', ascending: false });
    assert.deepEqual(parseOrderBy('params.`fusion.type`'), { type: 'param', key: 'fusion.type', ascending: true });
    assert.deepEqual(parseOrderBy('attributes.created asc'), { type: 'attribute', key: 'start_time', ascending: true });
    assert.throws(() => parseOrderBy('metrics.acc sideways'), SearchFilterError);
  });

  it('sorts with missing values last, default newest first', () => {
    assert.deepEqual(
      sortRuns(runs).map((r) => r.info.runId),
      ['r4', 'r1', 'r2', 'r3'],
    );
    assert.deepEqual(
      sortRuns(runs, ['metrics.test_accuracy DESC']).map((r) => r.info.runId),
      ['r1', 'r3', 'r2', 'r4'],
    );
    assert.deepEqual(
      sortRuns(runs, ['metrics.test_accuracy']).map((r) => r.info.runId),
      ['r2', 'r3', 'r1', 'r4'],
    );
    assert.deepEqual(
      sortRuns(runs, ['attributes.run_name']).map((r) => r.info.runName),
      ['avmnist-concat', 'avmnist-gated', 'fresh', 'other'],
    );
  });
});
