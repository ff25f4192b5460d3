/**
 * Learning-rate schedules (src/train/schedule): each schedule's rate at chosen updates against values computed by
 * hand, warm-up combined with them, reduce_on_plateau's counters, and the StepControl that sets the rate before each
 * update (per update with gradient accumulation).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { learningRateAt, scheduleProblem, warmupUpdates, type ScheduleClock } from '../../src/train/schedule/lr-schedule.js';
import { Plateau } from '../../src/train/schedule/plateau.js';
import type { LrScheduleConfig } from '../../src/train/schedule/schema.js';
import { StepControl } from '../../src/train/optim/step-control.js';
import { GradientAccumulator } from '../../src/train/optim/accumulate.js';
import { createOptimizer } from '../../src/model/optimizers/create.js';
import { use } from '../backend/helpers.js';

/** 10 epochs of 10 updates */
const CLOCK: ScheduleClock = { updatesPerEpoch: 10, totalUpdates: 100 };
const BASE = 0.1;

function expectRates(s: LrScheduleConfig, want: Record<number, number>, clock = CLOCK): void {
  for (const [t, rate] of Object.entries(want)) {
    const got = learningRateAt(s, BASE, clock, Number(t));
    assert.ok(Math.abs(got - rate) <= 1e-12 + 1e-9 * rate, `${s.type} at update ${t}: ${got}, expected ${rate}`);
  }
}

describe('learning-rate schedules at chosen updates (10 epochs × 10 updates, base 0.1)', () => {
  it('constant', () => expectRates({ type: 'constant' }, { 0: 0.1, 57: 0.1, 99: 0.1 }));

  it('step: × gamma every step_size epochs', () =>
    expectRates({ type: 'step', step_size: 3, gamma: 0.1 }, { 0: 0.1, 29: 0.1, 30: 0.01, 59: 0.01, 60: 0.001, 99: 0.0001 }));

  it('exponential: × gamma after every epoch, constant within one', () =>
    expectRates({ type: 'exponential', gamma: 0.5 }, { 0: 0.1, 9: 0.1, 10: 0.05, 25: 0.025, 99: 0.1 / 512 }));

  it('cosine to min_lr: half a cosine over the training', () =>
    expectRates(
      { type: 'cosine', min_lr: 0, restart_mult: 1 },
      { 0: 0.1, 25: (0.1 * (1 + Math.SQRT1_2)) / 2, 50: 0.05, 75: (0.1 * (1 - Math.SQRT1_2)) / 2, 100: 0 },
    ));

  it('cosine with min_lr and warm restarts every 2 epochs, each cycle twice the last', () =>
    expectRates(
      { type: 'cosine', min_lr: 0.01, restart_epochs: 2, restart_mult: 2 },
      // cycles [0, 20), [20, 60), [60, 140)
      {
        0: 0.1,
        10: 0.055,
        19: 0.01 + 0.045 * (1 + Math.cos((Math.PI * 19) / 20)),
        20: 0.1,
        40: 0.055,
        60: 0.1,
        80: 0.01 + 0.045 * (1 + Math.SQRT1_2),
      },
    ));

  it('linear decay to min_lr', () => expectRates({ type: 'linear', min_lr: 0.01 }, { 0: 0.1, 50: 0.055, 90: 0.019, 100: 0.01 }));

  it('one_cycle as torch OneCycleLR: from 0.1/25 up to 0.1 at update 29 (pct_start 0.3 of 100), down to 0.004/1e4 at update 99', () => {
    const s: LrScheduleConfig = { type: 'one_cycle', pct_start: 0.3, div_factor: 25, final_div_factor: 1e4, anneal: 'cos' };
    const lo = 0.004 / 1e4;
    expectRates(s, { 0: 0.004, 29: 0.1, 64: lo + (0.1 - lo) / 2, 99: lo });
    // first phase, a quarter of the way: cos anneal 0.1 + (0.004 − 0.1)/2·(1 + cos(π/4))
    expectRates(s, { 7.25: 0.1 + ((0.004 - 0.1) / 2) * (1 + Math.SQRT1_2) });
    expectRates({ ...s, anneal: 'linear' }, { 0: 0.004, 29: 0.1, 64: 0.1 + (lo - 0.1) / 2 });
  });

  it('warm-up of 10 updates then cosine over the remaining 90', () =>
    expectRates(
      { type: 'cosine', min_lr: 0, restart_mult: 1, warmup: { steps: 10, start_factor: 0 } },
      { 0: 0, 5: 0.05, 9: 0.09, 10: 0.1, 55: 0.05, 100: 0 },
    ));

  it('warm-up of one epoch from half the rate, then constant; warm-up in epochs counts updates of this clock', () => {
    const s: LrScheduleConfig = { type: 'constant', warmup: { epochs: 1, start_factor: 0.5 } };
    expectRates(s, { 0: 0.05, 5: 0.075, 10: 0.1, 99: 0.1 });
    assert.equal(warmupUpdates(s.warmup, { updatesPerEpoch: 7, totalUpdates: 70 }), 7);
    assert.equal(warmupUpdates({ epochs: 0.5, start_factor: 0 }, { updatesPerEpoch: 7, totalUpdates: 70 }), 4);
  });

  it('warm-up then step decay: the step clock starts when the warm-up ends', () =>
    expectRates({ type: 'step', step_size: 1, gamma: 0.5, warmup: { steps: 5, start_factor: 0 } }, { 4: 0.08, 5: 0.1, 14: 0.1, 15: 0.05 }));

  it('a warm-up as long as the training is refused with the numbers', () => {
    assert.match(
      scheduleProblem({ type: 'constant', warmup: { steps: 100, start_factor: 0 } }, CLOCK) ?? '',
      /warmup of 100 updates is not shorter than the training \(100 updates: 10 per epoch\)/,
    );
    assert.equal(scheduleProblem({ type: 'constant', warmup: { steps: 99, start_factor: 0 } }, CLOCK), undefined);
  });

  it('reduce_on_plateau: the factor reached so far, never below min_lr', () => {
    const s: LrScheduleConfig = {
      type: 'reduce_on_plateau',
      monitor: 'val_loss',
      mode: 'auto',
      factor: 0.1,
      patience: 1,
      threshold: 1e-4,
      cooldown: 0,
      min_lr: 0.0005,
    };
    assert.equal(learningRateAt(s, BASE, CLOCK, 50, 0.1), 0.1 * 0.1);
    assert.equal(learningRateAt(s, BASE, CLOCK, 50, 0.001), 0.0005);
  });
});

describe('reduce_on_plateau (as torch ReduceLROnPlateau, threshold_mode rel)', () => {
  it('reduces after patience + 1 bad epochs, then waits out the cooldown; a relative improvement below threshold is a bad epoch', () => {
    const p = new Plateau({ mode: 'min', factor: 0.5, patience: 2, threshold: 0.01, cooldown: 1 });
    // 1.0 best; 0.995 is not 1% better; 0.99 neither (strictly less than 0.99 needed)
    const reduced = [1.0, 0.995, 0.99, 0.999, 0.98, 0.97, 0.9701, 0.9702, 0.9703, 0.9704].map((v) => p.step(v));
    assert.deepEqual(reduced, [false, false, false, true, false, false, false, false, true, false]);
    assert.equal(p.state.factor, 0.25);
    assert.equal(p.state.reductions, 2);
    assert.equal(p.state.best, 0.97);
  });

  it('mode max; NaN counts as a bad epoch; at the floor nothing is reduced', () => {
    const p = new Plateau({ mode: 'max', factor: 0.1, patience: 0, threshold: 0, cooldown: 0 });
    assert.deepEqual(
      [0.5, 0.6, Number.NaN].map((v) => p.step(v)),
      [false, false, true],
    );
    assert.equal(p.step(0.4, true), false);
    assert.equal(p.state.factor, 0.1);
  });
});

describe('StepControl: the rate set before each update, one update per accumulated group', () => {
  it('cosine with accumulate 3 over 7 batches an epoch: 3 updates an epoch (3 + 3 + 1 batches), the rate of each update set before its last batch', async () => {
    await use('cpu');
    const inner = createOptimizer({ type: 'sgd', learning_rate: 0.1 });
    const acc = new GradientAccumulator(inner);
    const schedule: LrScheduleConfig = { type: 'cosine', min_lr: 0, restart_mult: 1 };
    const control = new StepControl({
      optimizer: acc,
      baseRate: 0.1,
      schedule,
      accumulate: 3,
      batchesPerEpoch: 7,
      epochs: 2,
      lowerIsBetter: () => true,
    });
    assert.deepEqual(control.clock, { updatesPerEpoch: 3, totalUpdates: 6 });
    const v = tf.variable(tf.tensor([0]), true, `sc_${Math.random()}`);
    const seen: number[] = [];
    const logged: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let b = 0; b < 7; b++) {
        control.beforeBatch(4, b === 6);
        const before = v.dataSync()[0]!;
        acc.applyGradients({ [v.name]: tf.tensor([-1]) });
        control.afterBatch();
        const moved = v.dataSync()[0]! - before;
        if (moved !== 0) seen.push(moved);
      }
      logged.push(control.endEpoch({}));
    }
    // SGD with gradient −1 moves the variable by the rate of each update
    const want = [0, 1, 2, 3, 4, 5].map((t) => 0.05 * (1 + Math.cos((Math.PI * t) / 6)));
    assert.equal(seen.length, 6, `6 updates: ${seen.join(', ')}`);
    seen.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) < 1e-6, `update ${i}: ${x} vs ${want[i]}`));
    assert.deepEqual(
      logged.map((x) => +x.toFixed(9)),
      [want[2], want[5]].map((x) => +x!.toFixed(9)),
    );
    assert.deepEqual(control.state(), { updates: 6 });
    acc.dispose();
    v.dispose();
  });

  it('reduce_on_plateau through endEpoch; its state restores into a new control', () => {
    const opt = createOptimizer({ type: 'adam', learning_rate: 0.01 });
    const schedule: LrScheduleConfig = {
      type: 'reduce_on_plateau',
      monitor: 'val_accuracy',
      mode: 'auto',
      factor: 0.5,
      patience: 0,
      threshold: 0,
      cooldown: 0,
      min_lr: 0,
    };
    const make = () =>
      new StepControl({
        optimizer: opt,
        baseRate: 0.01,
        schedule,
        accumulate: 1,
        batchesPerEpoch: 1,
        epochs: 5,
        lowerIsBetter: (m) => m.endsWith('loss'),
      });
    const a = make();
    const rates: number[] = [];
    for (const acc of [0.5, 0.6, 0.55, 0.58]) {
      a.beforeBatch(8, true);
      rates.push(opt.learningRate);
      a.afterBatch();
      a.endEpoch({ val_accuracy: acc });
    }
    // accuracy is higher-better (auto): 0.55 and 0.58 are not better than 0.6: halved twice
    assert.deepEqual(rates, [0.01, 0.01, 0.01, 0.005]);
    const b = make();
    b.restore(a.state());
    b.beforeBatch(8, true);
    assert.equal(opt.learningRate, 0.0025);
    opt.dispose();
  });
});
