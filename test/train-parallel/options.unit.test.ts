/** `runtime.workers`: what each value means, and that the config accepts exactly auto or an integer ≥ 1. */
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { resolveWorkers, shardSizes, WorkersOption } from '../../src/train/parallel/index.js';

describe('runtime.workers', () => {
  it('resolves 1 by default, a count as given, auto to the cores (a sweep trial: its share)', () => {
    assert.equal(resolveWorkers(undefined), 1);
    assert.equal(resolveWorkers(3), 3);
    assert.equal(resolveWorkers('auto', {}), os.availableParallelism());
    assert.equal(resolveWorkers('auto', { MMX_SWEEP_THREADS: '2' }), 2);
    assert.equal(resolveWorkers('auto', { MMX_SWEEP_THREADS: 'x' }), os.availableParallelism());
  });

  it('the schema takes auto or an integer ≥ 1, default 1', () => {
    assert.equal(WorkersOption.default, 1);
    for (const ok of ['auto', 1, 2, 16]) assert.ok(Value.Check(WorkersOption, ok), String(ok));
    for (const bad of [0, -1, 1.5, 'all', null]) assert.ok(!Value.Check(WorkersOption, bad), String(bad));
  });

  it('splits a batch into contiguous shards, larger ones first, empty ones when the batch is smaller', () => {
    assert.deepEqual(shardSizes(64, 2), [32, 32]);
    assert.deepEqual(shardSizes(33, 2), [17, 16]);
    assert.deepEqual(shardSizes(10, 3), [4, 3, 3]);
    assert.deepEqual(shardSizes(1, 3), [1, 0, 0]);
  });
});
