import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { differingParams, runsCommand, type RunsOptions } from '../../src/cli/commands/runs.js';
import { toOrderBy } from '../../src/cli/commands/runs.js';
import { UsageError } from '../../src/errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { RestStore } from '../../src/tracking/rest/rest-store.js';
import type { RunData, Tracker } from '../../src/tracking/tracker.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../tracking/helpers.js';
import { FakeMlflowServer } from '../tracking/rest-fake-server.js';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number> = {}): RunData => ({
  info: { runId: id, experimentId: '1', runName: id, artifactUri: '', status: 'FINISHED', startTime: 0 },
  params,
  metrics,
  tags: {},
});

describe('mmx runs', () => {
  it('turns --sort into MLflow order_by clauses', () => {
    assert.deepEqual(toOrderBy('-metrics.test_accuracy'), ['metrics.test_accuracy DESC']);
    assert.deepEqual(toOrderBy('params.seed, -attributes.start_time'), ['params.seed ASC', 'attributes.start_time DESC']);
    assert.deepEqual(toOrderBy('metrics.x desc'), ['metrics.x desc']);
  });

  it('shows the params that differ, key params first', () => {
    const runs = [
      run('a', { 'fusion.type': 'gated', seed: '1', zeta: 'x', same: 's' }),
      run('b', { 'fusion.type': 'concat', seed: '1', zeta: 'y', same: 's' }),
    ];
    assert.deepEqual(differingParams(runs), ['fusion.type', 'zeta']);
  });

  it('lists, filters and sorts runs of a file store', async () => {
    const dir = tempDir('mmx-runs-');
    const store = new FileStore(path.join(dir, 'runs'));
    const exp = await store.getOrCreateExperiment('cmp');
    for (const [name, type, acc] of [
      ['r1', 'gated', 0.91],
      ['r2', 'concat', 0.95],
      ['r3', 'gated', 0.97],
    ] as const) {
      const r = await store.createRun(exp, { runName: name });
      await store.logParams(r.runId, { 'fusion.type': type });
      await store.logMetrics(r.runId, [{ key: 'test_accuracy', value: acc, timestamp: Date.now(), step: 1 }]);
      await store.endRun(r.runId, 'FINISHED');
    }
    const table = await runCli(['runs', '--experiment', 'cmp', '--uri', 'runs', '--sort', '-metrics.test_accuracy'], { cwd: dir });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^run\s+name\s+status\s+start\s+duration\s+fusion\.type\s+test_accuracy$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/)[1]),
      ['r3', 'r2', 'r1'],
    );

    const json = await runCli(
      ['runs', '-e', 'cmp', '--uri', 'runs', '--filter', "metrics.test_accuracy > 0.9 and params.fusion.type = 'gated'", '--json'],
      { cwd: dir },
    );
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { run_name: string; 'metrics.test_accuracy': number }[];
    assert.deepEqual(rows.map((r) => r.run_name).sort(), ['r1', 'r3']);

    const bad = await runCli(['runs', '-e', 'nope', '--uri', 'runs'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no experiment named 'nope'/);
    const badFilter = await runCli(['runs', '-e', 'cmp', '--uri', 'runs', '--filter', 'metrics.x >'], { cwd: dir });
    assert.equal(badFilter.code, 2, badFilter.stderr);
    assert.doesNotMatch(badFilter.stderr, /\n\s+at /);
  });
});

class Text extends Writable {
  text = '';
  override _write(chunk: unknown, _e: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

/** Two experiments with runs; the same in either store. */
async function seedRuns(store: Tracker): Promise<void> {
  for (const [experiment, name, type, acc] of [
    ['avmnist', 'a1', 'gated', 0.95],
    ['avmnist', 'a2', 'concat', 0.9],
    ['penguins', 'p1', 'dense', 0.97],
  ] as const) {
    const exp = await store.getOrCreateExperiment(experiment);
    const r = await store.createRun(exp, { runName: name });
    await store.logParams(r.runId, { 'fusion.type': type });
    await store.logMetrics(r.runId, [{ key: 'test_accuracy', value: acc, timestamp: Date.now(), step: 1 }]);
    await store.endRun(r.runId, 'FINISHED');
  }
}

async function runs(o: RunsOptions): Promise<{ out: string; err: unknown }> {
  const stdout = new Text();
  try {
    await runsCommand(o, { stdout, stderr: new Text() });
    return { out: stdout.text, err: undefined };
  } catch (err) {
    return { out: stdout.text, err };
  }
}

function usage(err: unknown, re: RegExp): void {
  assert.ok(err instanceof UsageError, `a usage error, got ${String(err)}`);
  assert.match(err.message, re);
}

describe('mmx runs names what does not exist, on both stores', () => {
  const server = new FakeMlflowServer();
  const dir = tempDir('mmx-runs-typo-');
  const stores: { name: string; uri: () => string }[] = [
    { name: 'file store', uri: () => path.join(dir, 'runs') },
    { name: 'server', uri: () => server.url },
  ];
  before(async () => {
    await server.start();
    await seedRuns(new FileStore(path.join(dir, 'runs')));
    await seedRuns(new RestStore(server.url, { env: {}, spoolDir: path.join(dir, 'spool'), onWarning: () => undefined }));
  });
  after(() => server.stop());

  for (const store of stores) {
    it(`${store.name}: a typo in --filter, --columns or --experiment gets a did-you-mean`, async () => {
      const uri = store.uri();
      usage(
        (await runs({ uri, experiment: 'avmnist', filter: 'metrics.test_acc > 0.9' })).err,
        /^--filter: no run has metrics\.test_acc \(did you mean metrics\.test_accuracy\?\)$/,
      );
      usage(
        (await runs({ uri, experiment: 'avmnist', filter: "params.fusion.typ = 'gated' and metrics.test_accuracy > 0" })).err,
        /no run has params\.fusion\.typ \(did you mean params\.fusion\.type\?\)/,
      );
      usage(
        (await runs({ uri, experiment: 'avmnist', columns: 'params.fusion.type,metrics.test_acuracy' })).err,
        /^--columns: no run has metrics\.test_acuracy \(did you mean metrics\.test_accuracy\?\)$/,
      );
      usage(
        (await runs({ uri, experiment: 'avmnst' })).err,
        /^--experiment: no experiment named 'avmnst' in .* \(did you mean 'avmnist'\?\)$/,
      );
      // keys that exist, a filter that matches nothing: that is an answer, not an error
      const none = await runs({ uri, experiment: 'avmnist', filter: 'metrics.test_accuracy > 0.99' });
      assert.equal(none.err, undefined);
      assert.match(none.out, /^no runs match metrics\.test_accuracy > 0\.99/);
      // a column that only runs outside the filter have is a legitimate empty column
      const some = await runs({
        uri,
        experiment: 'avmnist',
        filter: "params.fusion.type = 'gated'",
        columns: 'metrics.test_accuracy',
        json: true,
      });
      assert.equal(some.err, undefined);
    });

    it(`${store.name}: without --experiment, searches every experiment`, async () => {
      const all = await runs({ uri: store.uri(), json: true });
      assert.equal(all.err, undefined, String(all.err));
      const rows = JSON.parse(all.out) as { run_name: string }[];
      assert.deepEqual(rows.map((r) => r.run_name).sort(), ['a1', 'a2', 'p1']);
      const filtered = await runs({ uri: store.uri(), filter: 'metrics.test_accuracy > 0.92', json: true });
      assert.deepEqual((JSON.parse(filtered.out) as { run_name: string }[]).map((r) => r.run_name).sort(), ['a1', 'p1']);
    });
  }
});
