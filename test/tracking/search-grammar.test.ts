/**
 * The table of MLflow filters (search-filter-cases.ts) against both stores: the file store, which evaluates
 * filters itself, and the REST store through the in-test MLflow server.
 *
 * The in-test server evaluates filters with mmx's own search-filter.ts (there is no MLflow here), so its
 * results alone would prove nothing about MLflow. What makes the REST leg meaningful: (1) the expected
 * outcomes come from the hand-written table, derived from MLflow's grammar, not from running mmx's parser;
 * (2) the REST leg checks what only the REST path can get wrong: the filter reaches the server exactly as
 * written (mmx never rewrites, pre-validates or drops it), a rejected filter comes back as MLflow's
 * 400 INVALID_PARAMETER_VALUE in one request (not retried as a server fault, which a real server's 400
 * must not be), and accepted filters return the same runs through the REST client's parsing and paging.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { TrackingError } from '../../src/tracking/errors.js';
import { FileStore } from '../../src/tracking/file-store.js';
import { RestStore } from '../../src/tracking/rest/rest-store.js';
import { SearchFilterError } from '../../src/tracking/search-filter.js';
import type { Tracker } from '../../src/tracking/tracker.js';
import { tempDir } from './helpers.js';
import { FakeMlflowServer } from './rest-fake-server.js';
import { ACCEPTED, REJECTED, SEED_RUNS, type FilterCase } from './search-filter-cases.js';

type Reader = Tracker & Required<Pick<Tracker, 'searchRuns'>>;

async function seed(store: Reader): Promise<{ experimentId: string; idOf: (name: string) => string }> {
  const experimentId = await store.getOrCreateExperiment('grammar');
  const ids = new Map<string, string>();
  for (const r of SEED_RUNS) {
    const run = await store.createRun(experimentId, { runName: r.name, startTime: r.start, tags: r.tags });
    ids.set(r.name, run.runId);
    if (Object.keys(r.params).length) await store.logParams(run.runId, r.params);
    const points = Object.entries(r.metrics).map(([key, value]) => ({ key, value, timestamp: r.start, step: 1 }));
    if (points.length) await store.logMetrics(run.runId, points);
    if (r.status !== 'RUNNING') await store.endRun(run.runId, r.status, r.start + 500);
  }
  return { experimentId, idOf: (name) => ids.get(name)! };
}

const text = (f: FilterCase, idOf: (name: string) => string): string => (typeof f === 'string' ? f : f(idOf));

describe('MLflow search filters: one table, both stores', () => {
  const server = new FakeMlflowServer();
  const dir = tempDir('mmx-grammar-');
  let file: { store: FileStore; experimentId: string; idOf: (n: string) => string };
  let rest: { store: RestStore; experimentId: string; idOf: (n: string) => string };

  before(async () => {
    await server.start();
    const fileStore = new FileStore(path.join(dir, 'runs'));
    file = { store: fileStore, ...(await seed(fileStore)) };
    const restStore = new RestStore(server.url, {
      env: {},
      client: { retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 } },
      spoolDir: path.join(dir, 'spool'),
      user: 'tester',
      onWarning: () => undefined,
    });
    rest = { store: restStore, ...(await seed(restStore)) };
  });
  after(() => server.stop());

  for (const [filter, expected] of ACCEPTED) {
    const label = typeof filter === 'string' ? filter || '(empty)' : filter(() => '<id>');
    it(`accepts ${label}`, async () => {
      const f = text(filter, file.idOf);
      const onFile = await file.store.searchRuns([file.experimentId], { filter: f });
      assert.deepEqual(onFile.map((r) => r.info.runName).sort(), expected, `file store: ${f}`);

      const g = text(filter, rest.idOf);
      const before = server.calls('runs/search').length;
      const onRest = await rest.store.searchRuns([rest.experimentId], { filter: g, maxResults: 2 });
      const onRestAll = await rest.store.searchRuns([rest.experimentId], { filter: g });
      assert.deepEqual(onRestAll.map((r) => r.info.runName).sort(), expected, `REST store: ${g}`);
      assert.equal(onRest.length, Math.min(2, expected.length), 'paged');
      const sent = server.calls('runs/search').slice(before);
      for (const req of sent) {
        if (g === '') assert.equal(req.json?.filter, undefined);
        else assert.equal(req.json?.filter, g, 'the filter reaches the server as written');
      }
    });
  }

  for (const [filter, message] of REJECTED) {
    it(`rejects ${filter}`, async () => {
      await assert.rejects(
        file.store.searchRuns([file.experimentId], { filter }),
        (e: unknown) => e instanceof SearchFilterError && message.test(e.message) && e.message.includes(filter),
        `file store: ${filter}`,
      );
      const before = server.calls('runs/search').length;
      await assert.rejects(
        rest.store.searchRuns([rest.experimentId], { filter }),
        (e: unknown) => e instanceof TrackingError && e.code === 'INVALID_PARAMETER_VALUE' && e.message.includes('INVALID_PARAMETER_VALUE'),
        `REST store: ${filter}`,
      );
      const sent = server.calls('runs/search').slice(before);
      assert.equal(sent.length, 1, 'a 400 is not retried');
      assert.equal(sent[0]!.json?.filter, filter, 'sent as written');
    });
  }
});
