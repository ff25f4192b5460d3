/** The sweep's terminal output: plain lines for pipes and the Ink table, from the same event stream. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { SweepEvent } from '../../src/sweep/events.js';
import type { TrialRecord } from '../../src/sweep/records.js';
import { createSweepReporter } from '../../src/ui/sweep/reporter.js';
import { SweepApp } from '../../src/ui/sweep/SweepApp.js';
import { summaryLines } from '../../src/ui/sweep/lines.js';
import { initialSweepState, reduceSweep } from '../../src/ui/sweep/state.js';

const info = {
  name: 'demo',
  experiment: 'exp',
  configPath: 'demo.yaml',
  method: 'bayes' as const,
  metric: 'val_accuracy',
  goal: 'maximize' as const,
  total: 3,
  parallel: 2,
  parentRunId: 'p'.repeat(32),
  trackingUri: 'runs',
  params: ['training.optimizer.learning_rate', 'fusion.type'],
  cpus: [[0], [1]],
  pinned: true,
  previous: [],
};
const rec = (n: number, over: Partial<TrialRecord>): TrialRecord => ({
  number: n,
  params: { 'training.optimizer.learning_rate': 0.001 * n, 'fusion.type': 'concat' },
  status: 'FINISHED',
  history: [],
  epochs: 3,
  ...over,
});

const EVENTS: SweepEvent[] = [
  { type: 'sweep_start', info },
  { type: 'trial_start', trial: 1, params: rec(1, {}).params, cpus: [0] },
  { type: 'trial_start', trial: 2, params: rec(2, {}).params, cpus: [1] },
  { type: 'trial_epoch', trial: 1, epoch: 1, epochs: 3, value: 0.5, seconds: 2 },
  { type: 'best', record: rec(1, { value: 0.8, seconds: 12 }) },
  { type: 'trial_end', record: rec(1, { value: 0.8, seconds: 12 }) },
  {
    type: 'trial_end',
    record: rec(2, {
      status: 'KILLED',
      pruned: true,
      value: 0.4,
      epochs: 1,
      reason: 'asha: not in the top 1 of 2 at rung epoch 1',
      seconds: 4,
    }),
  },
  { type: 'trial_start', trial: 3, params: rec(3, {}).params, cpus: [0] },
  { type: 'trial_epoch', trial: 3, epoch: 2, epochs: 3, value: 0.7, seconds: 2 },
];

describe('sweep UI', () => {
  it('plain lines: header, one line per trial start / epoch / end with progress', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const rep = createSweepReporter({ mode: 'plain', stdout: out, stderr: new PassThrough(), now: () => 1000 });
    for (const e of EVENTS) rep.emit(e);
    await rep.close();
    assert.match(text, /^sweep demo {2}\(experiment exp\)$/m);
    assert.match(text, /search +bayes, 3 trials, 2 at a time, maximize val_accuracy/);
    assert.match(text, /cpus +\[0\] \[1\] per trial \(pinned with taskset\)/);
    assert.match(text, /^trial 1 started {2}training\.optimizer\.learning_rate=0\.001 fusion\.type=concat {2}\(cpu 0\)$/m);
    assert.match(text, /^trial 1 epoch 1\/3 {2}val_accuracy 0\.500/m);
    assert.match(text, /^trial 1 FINISHED {2}val_accuracy 0\.800 in 12s {2}\[1\/3 done, best 0\.800 \(trial 1\)/m);
    assert.match(text, /^trial 2 pruned after epoch 1 \(val_accuracy 0\.400\): asha: not in the top 1 of 2/m);
    assert.doesNotMatch(text, /\u001b\[/);
  });

  it('Ink: a live table of trials with status, epoch, metric, the best line and the progress bar', () => {
    let state = initialSweepState(0);
    for (const e of EVENTS) state = reduceSweep(state, e, 1000);
    const { lastFrame, unmount } = render(createElement(SweepApp, { state, now: 5000 }));
    const frame = lastFrame() ?? '';
    unmount();
    assert.match(frame, /trials 2\/3/);
    assert.match(frame, /1 running/);
    assert.match(frame, /#\s+optimizer\.learning_rate\s+fusion\.type\s+status\s+epoch\s+val_accuracy\s+time/);
    assert.match(frame, /1\s+0\.001\s+concat\s+finished\s+3\/3\s+0\.800\s+12s/);
    assert.match(frame, /2\s+0\.002\s+concat\s+pruned\s+1\s+0\.400/);
    assert.match(frame, /3\s+0\.003\s+concat\s+running\s+2\/3\s+0\.700/);
    assert.match(frame, /best: trial 1 {2}val_accuracy 0\.800 {2}training\.optimizer\.learning_rate=0\.001 fusion\.type=concat/);
  });

  it('closes with where to look: the server page for a tracking server, the mlflow ui command for a folder', () => {
    const end = (trackingUri: string): SweepEvent => ({
      type: 'sweep_end',
      status: 'FINISHED',
      parentRunId: 'p'.repeat(32),
      experimentId: '7',
      trials: [rec(1, { value: 0.8, seconds: 12 })],
      best: rec(1, { value: 0.8, seconds: 12 }),
      trackingUri,
      seconds: 75,
    });
    const view = (uri: string): string | undefined => {
      let state = initialSweepState(0);
      for (const e of [...EVENTS, end(uri)]) state = reduceSweep(state, e, 1000);
      return summaryLines(state, 2000).find((l) => l.trimStart().startsWith('view'));
    };
    assert.equal(view('http://mlflow.example:5000/'), `  view         http://mlflow.example:5000/#/experiments/7/runs/${'p'.repeat(32)}`);
    assert.equal(view('runs'), '  view         mlflow ui --backend-store-uri runs');
  });

  it('rounds sampled values to 4 significant digits in the table and the lines', async () => {
    const lr = 0.000316227766016838;
    const events: SweepEvent[] = [
      { type: 'sweep_start', info },
      { type: 'trial_start', trial: 1, params: { 'training.optimizer.learning_rate': lr, 'fusion.type': 'concat' }, cpus: [0] },
      {
        type: 'trial_end',
        record: rec(1, { params: { 'training.optimizer.learning_rate': lr, 'fusion.type': 'concat' }, value: 0.8, seconds: 12 }),
      },
    ];
    let state = initialSweepState(0);
    for (const e of events) state = reduceSweep(state, e, 1000);
    const { lastFrame, unmount } = render(createElement(SweepApp, { state, now: 5000 }));
    const frame = lastFrame() ?? '';
    unmount();
    assert.match(frame, /1\s+0\.0003162\s+concat\s+finished/);
    assert.doesNotMatch(frame, /0\.00031622/);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const rep = createSweepReporter({ mode: 'plain', stdout: out, stderr: new PassThrough(), now: () => 1000 });
    for (const e of events) rep.emit(e);
    await rep.close();
    assert.match(text, /^trial 1 started {2}training\.optimizer\.learning_rate=0\.0003162 fusion\.type=concat/m);
  });
});
