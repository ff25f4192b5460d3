import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { TrackingError } from '../../src/tracking/errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { latestMetric, parsePyFloat } from '../../src/tracking/file-store-read.js';
import { asReader } from '../../src/tracking/tracker.js';
import { tempDir } from './helpers.js';

async function seeded() {
  const root = tempDir();
  const store = new FileStore(root, { user: 'tester' });
  const exp = await store.getOrCreateExperiment('avmnist');
  const other = await store.getOrCreateExperiment('other');
  const made: Record<string, string> = {};
  const specs = [
    { name: 'gated', fusion: 'gated', acc: [0.8, 0.95], start: 1000, status: 'FINISHED' as const },
    { name: 'concat', fusion: 'concat', acc: [0.7, 0.85], start: 2000, status: 'FINISHED' as const },
    { name: 'broken', fusion: 'gated', acc: [0.5], start: 3000, status: 'FAILED' as const },
  ];
  for (const s of specs) {
    const r = await store.createRun(exp, { runName: s.name, startTime: s.start, tags: { 'mmx.backend': 'wasm' } });
    await store.logParams(r.runId, { 'fusion.type': s.fusion, 'training/epochs': '3' });
    await store.logMetrics(
      r.runId,
      s.acc.map((value, step) => ({ key: 'test_accuracy', value, timestamp: s.start + step, step })),
    );
    await store.endRun(r.runId, s.status, s.start + 100);
    made[s.name] = r.runId;
  }
  const elsewhere = await store.createRun(other, { runName: 'elsewhere', startTime: 5000 });
  made.elsewhere = elsewhere.runId;
  return { root, store, exp, other, made };
}

describe('FileStore read side', () => {
  it('searches runs with MLflow filters and order, per experiment', async () => {
    const { store, exp, other, made } = await seeded();
    const reader = asReader(store);
    const all = await reader.searchRuns([exp]);
    assert.deepEqual(
      all.map((r) => r.info.runName),
      ['broken', 'concat', 'gated'],
      'newest first',
    );
    const hits = await reader.searchRuns([exp], {
      filter: "metrics.test_accuracy > 0.8 and params.fusion.type = 'gated' and attributes.status = 'FINISHED'",
    });
    assert.deepEqual(
      hits.map((r) => r.info.runId),
      [made.gated],
    );
    assert.equal(hits[0]!.metrics.test_accuracy, 0.95, 'latest value');
    assert.equal(hits[0]!.params['training/epochs'], '3');
    assert.equal(hits[0]!.tags['mmx.backend'], 'wasm');
    assert.equal(hits[0]!.info.userId, 'tester');
    const ordered = await reader.searchRuns([exp, other], { orderBy: ['metrics.test_accuracy DESC'], maxResults: 3 });
    assert.deepEqual(
      ordered.map((r) => r.info.runName),
      ['gated', 'concat', 'broken'],
    );
    const both = await reader.searchRuns([exp, other], { filter: "tags.`mlflow.runName` ILIKE 'ELSE%'" });
    assert.deepEqual(
      both.map((r) => r.info.runId),
      [made.elsewhere],
    );
    await assert.rejects(reader.searchRuns([exp], { filter: 'accuracy > 1' }), /'accuracy' is not a searchable run attribute/);
  });

  it('leaves out deleted runs', async () => {
    const { root, store, exp, made } = await seeded();
    const meta = path.join(root, exp, made.concat!, 'meta.yaml');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace('lifecycle_stage: active', 'lifecycle_stage: deleted'));
    const names = (await store.searchRuns([exp])).map((r) => r.info.runName);
    assert.deepEqual(names, ['broken', 'gated']);
  });

  it('reads one run, a metric history, and artifacts', async () => {
    const { store, made } = await seeded();
    const id = made.gated!;
    const data = await store.getRunData(id);
    assert.equal(data.info.status, 'FINISHED');
    assert.deepEqual(data.params, { 'fusion.type': 'gated', 'training/epochs': '3' });
    assert.deepEqual(await store.getMetricHistory(id, 'test_accuracy'), [
      { key: 'test_accuracy', value: 0.8, timestamp: 1000, step: 0 },
      { key: 'test_accuracy', value: 0.95, timestamp: 1001, step: 1 },
    ]);
    assert.deepEqual(await store.getMetricHistory(id, 'never_logged'), []);
    await store.logArtifact(id, 'model/model.json', '{"format":"layers-model"}');
    await store.logArtifact(id, 'model/weights.bin', new Uint8Array([1, 2, 3]));
    await store.logArtifact(id, 'metrics.json', '{}');
    assert.deepEqual(await store.listArtifacts(id), [
      { path: 'metrics.json', isDir: false, fileSize: 2 },
      { path: 'model', isDir: true },
    ]);
    assert.deepEqual(await store.listArtifacts(id, 'model'), [
      { path: 'model/model.json', isDir: false, fileSize: 25 },
      { path: 'model/weights.bin', isDir: false, fileSize: 3 },
    ]);
    assert.deepEqual([...(await store.downloadArtifact(id, 'model/weights.bin'))], [1, 2, 3]);
    await assert.rejects(
      store.downloadArtifact(id, 'model'),
      (e: unknown) => e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
    await assert.rejects(
      store.getRunData('0123456789abcdef0123456789abcdef'),
      (e: unknown) => e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST',
    );
    assert.equal((await store.getExperimentByName('avmnist'))?.name, 'avmnist');
  });

  it('reads metric values as MLflow writes them', async () => {
    assert.ok(Number.isNaN(parsePyFloat('nan')));
    assert.equal(parsePyFloat('inf'), Infinity);
    assert.equal(parsePyFloat('-inf'), -Infinity);
    assert.equal(parsePyFloat('1e-07'), 1e-7);
    const { store, made } = await seeded();
    await store.logMetrics(made.gated!, [{ key: 'loss', value: NaN, timestamp: 1, step: 0 }]);
    assert.ok(Number.isNaN((await store.getRunData(made.gated!)).metrics.loss!));
  });

  it('picks the latest metric as MLflow does: step, then timestamp, then value', () => {
    const p = (value: number, timestamp: number, step: number) => ({ key: 'm', value, timestamp, step });
    assert.equal(latestMetric([p(1, 5, 2), p(2, 1, 3), p(3, 9, 1)])!.value, 2);
    assert.equal(latestMetric([p(1, 5, 2), p(2, 6, 2)])!.value, 2);
    assert.equal(latestMetric([p(1, 5, 2), p(0.5, 5, 2)])!.value, 1);
    assert.equal(latestMetric([]), undefined);
  });
});
