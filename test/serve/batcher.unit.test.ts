/** Request batching: requests that wait while the model runs go through it together, within the row limit, in order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher, Busy } from '../../src/serve/batcher.js';

/** A model run that finishes when told to, recording each batch it was given. */
function controllableRun() {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const run = (items: string[]): Promise<string[]> => {
    batches.push(items);
    return new Promise((resolve) => finish.push(() => resolve(items.map((i) => `out:${i}`))));
  };
  return { batches, finish, run };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Batcher', () => {
  it('runs the requests that queued during a batch together in the next, each answered with its own output', async () => {
    const m = controllableRun();
    const b = new Batcher(m.run, { maxRows: 100, maxWaitMs: 0, maxQueuedRows: 1000 });
    const first = b.submit('a', 1);
    while (m.batches.length === 0) await tick();
    const rest = ['b', 'c', 'd'].map((x) => b.submit(x, 2));
    m.finish.shift()!();
    assert.equal(await first, 'out:a');
    while (m.batches.length < 2) await tick();
    assert.deepEqual(m.batches, [['a'], ['b', 'c', 'd']]);
    m.finish.shift()!();
    assert.deepEqual(await Promise.all(rest), ['out:b', 'out:c', 'out:d']);
    assert.deepEqual(b.stats, { batches: 2, requests: 4, rows: 7, largestBatchRequests: 3 });
  });

  it('keeps a batch within maxRows without splitting a request, and refuses past the queue limit', async () => {
    const m = controllableRun();
    const b = new Batcher(m.run, { maxRows: 5, maxWaitMs: 0, maxQueuedRows: 12 });
    const first = b.submit('big', 8); // over maxRows alone: still one batch
    while (m.batches.length === 0) await tick();
    const queued = [b.submit('x', 3), b.submit('y', 3), b.submit('z', 3)];
    await assert.rejects(b.submit('w', 4), (e: unknown) => e instanceof Busy);
    m.finish.shift()!();
    await first;
    while (m.batches.length < 2) await tick();
    assert.deepEqual(m.batches[1], ['x']); // x + y would be 6 > 5
    m.finish.shift()!();
    while (m.batches.length < 3) await tick();
    assert.deepEqual(m.batches[2], ['y']);
    m.finish.shift()!();
    while (m.batches.length < 4) await tick();
    m.finish.shift()!();
    assert.deepEqual(await Promise.all(queued), ['out:x', 'out:y', 'out:z']);
  });

  it('fails every request of a batch whose run fails, and goes on with the next', async () => {
    let calls = 0;
    const b = new Batcher<string, string>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return items;
      },
      { maxRows: 10, maxWaitMs: 0, maxQueuedRows: 100 },
    );
    await assert.rejects(b.submit('a', 1), /boom/);
    assert.equal(await b.submit('b', 1), 'b');
  });
});
