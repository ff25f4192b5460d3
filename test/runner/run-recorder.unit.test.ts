/**
 * RunRecorder, the one owner of a run's lifecycle: the start tags in their order (a user's tag wins over mmx's),
 * metric writes in the order they were logged and never overlapping, a failed write surfacing at the flush and
 * aborting `writeFailed`, a continued run skipping the (metric, step) pairs it has, and ending — the reason as tags,
 * then the status, each tried even when the other fails; a status that could not be written can be written again.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunRecorder, reasonTags } from '../../src/runner/recorder/run-recorder.js';
import { configHash, startTags } from '../../src/runner/recorder/start-tags.js';
import { gitCommit } from '../../src/tracking/run-context.js';
import type { MetricPoint, RunInfo, Tracker } from '../../src/tracking/tracker.js';
import { MMX_VERSION } from '../../src/version.js';

/** A tracker that records what it is asked, with writes that take a while and can be made to fail. */
function fakeTracker(fail: { tags?: boolean; end?: boolean; endOnce?: boolean; metricsAt?: number } = {}) {
  const calls: string[] = [];
  let inFlight = 0;
  let overlapped = false;
  let metricWrites = 0;
  const info: RunInfo = { runId: 'r1', experimentId: 'e1', runName: 'n', artifactUri: 'file:///x', status: 'RUNNING', startTime: 0 };
  const tracker: Tracker = {
    uri: 'memory:',
    getOrCreateExperiment: async (name) => {
      calls.push(`experiment ${name}`);
      return 'e1';
    },
    createRun: async (experimentId, o) => {
      calls.push(`create ${experimentId} ${o.runName} ${JSON.stringify(o.tags)}`);
      return info;
    },
    logParams: async () => {},
    logMetrics: async (_runId, points: MetricPoint[]) => {
      inFlight += 1;
      overlapped ||= inFlight > 1;
      metricWrites += 1;
      const n = metricWrites;
      await new Promise((r) => setTimeout(r, 5 - Math.min(4, n)));
      inFlight -= 1;
      if (fail.metricsAt === n) throw new Error(`disk full at write ${n}`);
      calls.push(`metrics ${points.map((p) => `${p.key}@${p.step}`).join(',')}`);
    },
    setTags: async (_runId, tags) => {
      if (fail.tags) throw new Error('tags refused');
      calls.push(`tags ${JSON.stringify(tags)}`);
    },
    logArtifact: async (_runId, p) => {
      calls.push(`artifact ${p}`);
    },
    endRun: async (_runId, status) => {
      if (fail.end) throw new Error('end refused');
      if (fail.endOnce) {
        fail.endOnce = false;
        throw new Error('end refused once');
      }
      calls.push(`end ${status}`);
    },
    getRun: async () => info,
  };
  return { tracker, calls, overlapped: () => overlapped };
}

const point = (key: string, step: number): MetricPoint => ({ key, value: step, timestamp: 0, step });

describe('RunRecorder', () => {
  it('starts a run with its start tags in order: system, mmx, the kind, overrides, then the user and the caller', async () => {
    const { tracker, calls } = fakeTracker();
    const tags = startTags({
      runName: 'x [a=1]',
      commitFrom: '/nowhere',
      sourceName: 'x.yaml',
      config: { name: 'x' },
      kind: { 'mmx.task': 'binary' },
      overrides: ['a=1'],
      user: { 'mmx.task': 'mine', team: 'vision' },
      extra: { 'sweep.trial': '3' },
    });
    assert.equal(tags['mmx.version'], MMX_VERSION);
    assert.equal(tags['mmx.config_hash'], configHash({ name: 'x' }));
    assert.equal(tags['mlflow.runName'], 'x [a=1]');
    assert.equal(tags['mlflow.source.name'], 'x.yaml');
    assert.equal(tags['mmx.overrides'], JSON.stringify(['a=1']));
    assert.equal(tags['mmx.task'], 'mine', "the user's tag wins");
    assert.equal(tags['sweep.trial'], '3');
    const rec = await RunRecorder.start(tracker, 'exp', { runName: 'x [a=1]', tags });
    assert.equal(rec.runId, 'r1');
    assert.equal(rec.experimentId, 'e1');
    assert.deepEqual(calls.slice(0, 1), ['experiment exp']);
    assert.match(calls[1]!, /^create e1 x \[a=1\] /);
  });

  it('writes metrics one after another in the order logged, without waiting for them', async () => {
    const { tracker, calls, overlapped } = fakeTracker();
    const rec = await RunRecorder.attach(tracker, 'r1');
    for (let epoch = 1; epoch <= 4; epoch++) rec.logMetrics([point('val_loss', epoch)]);
    rec.logMetrics([]);
    await rec.flushMetrics();
    assert.deepEqual(calls, ['metrics val_loss@1', 'metrics val_loss@2', 'metrics val_loss@3', 'metrics val_loss@4']);
    assert.equal(overlapped(), false);
  });

  it('a failed metric write aborts writeFailed and is thrown at the flush; later writes still go out', async () => {
    const { tracker, calls } = fakeTracker({ metricsAt: 2 });
    const rec = await RunRecorder.attach(tracker, 'r1');
    rec.logMetrics([point('a', 1)]);
    rec.logMetrics([point('a', 2)]);
    rec.logMetrics([point('a', 3)]);
    await assert.rejects(() => rec.flushMetrics(), /disk full at write 2/);
    assert.equal(rec.writeFailed.aborted, true);
    assert.match(String(rec.metricWriteError), /disk full at write 2/);
    assert.deepEqual(calls, ['metrics a@1', 'metrics a@3']);
  });

  it('ends after the queued metrics: the reason as tags, then the status; only once', async () => {
    const { tracker, calls } = fakeTracker();
    const rec = await RunRecorder.attach(tracker, 'r1');
    rec.logMetrics([point('a', 1)]);
    await rec.end('FAILED', { error: new TypeError('bad shape') });
    await rec.end('FINISHED');
    assert.deepEqual(calls, [
      'metrics a@1',
      `tags ${JSON.stringify({ 'mmx.error': 'bad shape', 'mmx.error_type': 'TypeError' })}`,
      'end FAILED',
    ]);
    assert.deepEqual(reasonTags({ killedReason: 'interrupted (SIGTERM)' }), { 'mmx.killed_reason': 'interrupted (SIGTERM)' });
    assert.deepEqual(reasonTags({ error: 'plain' }), { 'mmx.error': 'plain', 'mmx.error_type': 'string' });
  });

  it('a tag that cannot be written does not keep the status from being recorded', async () => {
    const warned: string[] = [];
    const a = fakeTracker({ tags: true });
    await (await RunRecorder.attach(a.tracker, 'r1')).end('KILLED', { killedReason: 'stop' }, (m) => warned.push(m));
    assert.deepEqual(a.calls, ['end KILLED']);
    assert.deepEqual(warned, ['could not record why the run ended: tags refused']);
    // without a warn callback: every step is tried, then the first failure is thrown
    const b = fakeTracker({ tags: true });
    await assert.rejects(() => RunRecorder.attach(b.tracker, 'r1').then((r) => r.end('FAILED', { error: new Error('x') })), /tags refused/);
    assert.deepEqual(b.calls, ['end FAILED']);
  });

  it('a continued run (--resume) logs only the (metric, step) pairs it does not have yet', async () => {
    const { tracker, calls } = fakeTracker();
    const logged = new Map([['val_loss', new Set([1, 2])]]);
    const rec = await RunRecorder.attach(tracker, 'r1', { logged });
    rec.logMetrics([point('val_loss', 1), point('val_loss', 2), point('loss', 2)]);
    rec.logMetrics([point('val_loss', 2)]);
    rec.logMetrics([point('val_loss', 3)]);
    await rec.flushMetrics();
    assert.deepEqual(calls, ['metrics loss@2', 'metrics val_loss@3']);
  });

  it('a FINISHED that could not be written can still be ended FAILED', async () => {
    const { tracker, calls } = fakeTracker({ endOnce: true });
    const rec = await RunRecorder.attach(tracker, 'r1');
    await assert.rejects(() => rec.end('FINISHED'), /end refused once/);
    await rec.end('FAILED', { error: new Error('end refused once') });
    assert.deepEqual(calls, [`tags ${JSON.stringify({ 'mmx.error': 'end refused once', 'mmx.error_type': 'Error' })}`, 'end FAILED']);
  });

  it('the start tags record the commit of the first folder that is in a git repository', () => {
    const inRepo = path.dirname(fileURLToPath(import.meta.url));
    const none = startTags({ runName: 'e', commitFrom: ['/nowhere'], sourceName: 'mmx evaluate', kind: {} });
    assert.equal(none['mlflow.source.git.commit'], undefined);
    assert.equal(none['mmx.config_hash'], undefined, 'no config, no hash');
    const tags = startTags({ runName: 'e', commitFrom: ['/nowhere', inRepo], sourceName: 'mmx evaluate', kind: {} });
    if (gitCommit(inRepo) !== undefined) assert.equal(tags['mlflow.source.git.commit'], gitCommit(inRepo));
  });

  it('the heartbeat writes mmx.process and mmx.heartbeat once started, and nothing after the run ended', async () => {
    const { tracker, calls } = fakeTracker();
    const rec = await RunRecorder.attach(tracker, 'r1');
    // a beat every 10 ms: several would land while the test waits below if ending the run did not stop it
    await rec.startHeartbeat({ MMX_HEARTBEAT_S: '0.01' });
    assert.equal(calls.length, 1);
    assert.match(calls[0]!, /"mmx\.process":.*"mmx\.heartbeat":/);
    await rec.end('FINISHED');
    const ended = calls.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, ended, 'no heartbeat after the end');
    assert.equal(calls[ended - 1], 'end FINISHED');
  });
});
