/** Early termination: ASHA's rungs and promotions, the median rule. Values: lower is better. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AshaPruner, ashaRungs, MedianPruner, promotable } from '../../src/search/pruners.js';

describe('ASHA', () => {
  it('puts rungs at min_epochs * eta^k below the last epoch', () => {
    assert.deepEqual(ashaRungs(1, 3, 30), [1, 3, 9, 27]);
    assert.deepEqual(ashaRungs(2, 2, 16), [2, 4, 8]);
    assert.deepEqual(ashaRungs(5, 3, 5), []);
  });

  it('promotes the top 1/eta of a rung (the best alone while there are fewer than eta values)', () => {
    assert.equal(promotable(0.5, [0.5], 3), true);
    assert.equal(promotable(0.6, [0.5, 0.6], 3), false);
    assert.equal(promotable(0.4, [0.5, 0.4], 3), true);
    // 6 values, eta 3: the best 2 go on
    const rung = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    assert.deepEqual(
      rung.map((v) => promotable(v, rung, 3)),
      [true, true, false, false, false, false],
    );
  });

  it('stops a trial only at a rung epoch, and only when it is not in the top 1/eta there', () => {
    const p = new AshaPruner(1, 2, 0, 10); // rungs 1, 2, 4, 8
    assert.deepEqual(p.report(1, 1, 0.5), { prune: false }); // first at rung 1
    assert.equal(p.report(2, 1, 0.7).prune, true); // 2 values, keeps 1: 0.5
    assert.equal(p.report(3, 1, 0.4).prune, false); // 3 values, keeps 1: 0.4 is the best
    assert.equal(p.report(1, 2, 0.45).prune, false); // first at rung 2
    assert.equal(p.report(1, 3, 99).prune, false); // epoch 3 is no rung
    assert.equal(p.report(3, 2, 0.3).prune, false);
    const d = p.report(4, 1, 0.6); // 4 values at rung 1: keeps 2 (0.4, 0.5)
    assert.equal(d.prune, true);
    assert.match(d.reason!, /top 2 of 4 at rung epoch 1/);
    assert.deepEqual(p.rungs.get(1), [0.5, 0.7, 0.4, 0.6]);
  });

  it('grace: a rung stops nobody until it holds more than `grace` values', () => {
    const p = new AshaPruner(1, 3, 2, 10);
    assert.equal(p.report(1, 1, 0.1).prune, false);
    assert.equal(p.report(2, 1, 0.9).prune, false); // 2 values <= grace 2
    assert.equal(p.report(3, 1, 0.8).prune, true); // 3 values: only the best goes on
  });

  it('a resumed sweep seeds the rungs with the earlier trials', () => {
    const p = new AshaPruner(1, 2, 0, 10);
    p.seed([0.2, 0.1, 0.05]);
    assert.equal(p.report(9, 1, 0.3).prune, true);
    assert.equal(p.report(9, 2, 0.05).prune, false);
  });
});

describe('median rule', () => {
  it('stops a trial whose best value so far is worse than the median of finished trials at that epoch', () => {
    const p = new MedianPruner(2, 2);
    for (const [t, h] of [
      [1, [1.0, 0.8, 0.6]],
      [2, [1.2, 1.0, 0.9]],
      [3, [0.9, 0.7, 0.5]],
    ] as const) {
      h.forEach((v, i) => p.report(t, i + 1, v));
      p.complete(t, true);
    }
    assert.equal(p.report(4, 1, 5).prune, false); // before min_epochs
    const d = p.report(4, 2, 0.85); // best so far 0.85 > median(0.8, 1.0, 0.7) = 0.8
    assert.equal(d.prune, true);
    assert.match(d.reason!, /median of 3 finished trials at epoch 2/);
    assert.equal(p.report(5, 1, 0.7).prune, false);
    assert.equal(p.report(5, 2, 0.75).prune, false); // 0.7 < 0.8
  });

  it('waits for `grace` finished trials; pruned and failed trials are no reference', () => {
    const p = new MedianPruner(1, 2);
    p.report(1, 1, 0.1);
    p.complete(1, true);
    assert.equal(p.report(2, 1, 0.9).prune, false); // 1 finished < grace 2
    p.complete(2, false);
    assert.equal(p.report(3, 1, 0.9).prune, false);
  });
});
