import '../helpers/interactive-terminal.js';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { App } from '../../src/ui/ink/App.js';
import { createRunStore, type RunStore } from '../../src/ui/ink/store.js';
import { createReporter } from '../../src/ui/reporter.js';
import { Capture, ending, epochSteps, fakeClock, fullRun, longRun, play, preamble, summary, visible } from './helpers/script.js';
import { screenLines } from './helpers/terminal.js';

/** Publish what the store holds and wait until Ink has drawn it. */
async function settle(store: RunStore): Promise<void> {
  store.flush();
  await store.whenRendered();
}

function lines(frame: string | undefined): string[] {
  return visible(frame)
    .split('\n')
    .map((l) => l.trimEnd());
}

afterEach(() => cleanup());

describe('Ink app', () => {
  it('shows the run as a person sees it, from data loading to the results', async () => {
    const clock = fakeClock();
    const store = createRunStore({ now: clock.now });
    const ui = render(createElement(App, { store }));
    const emit = store.dispatch;

    // data loading: the phase and a progress bar
    play(preamble.slice(0, 8), emit, clock);
    await settle(store);
    assert.deepEqual(lines(ui.lastFrame()), [
      '▸ loading  data/avmnist/manifest.csv',
      '  decoding images ███████████████░░░░░░░░░░░░░░░  50%  300/600',
    ]);

    // training: summary box, warning, completed epochs, progress bars with ETAs, live metrics
    play(preamble.slice(8), emit, clock);
    play(epochSteps(1, 2), emit, clock);
    play(epochSteps(3, 3).slice(0, 6), emit, clock); // epoch 3, 5 of 10 batches
    await settle(store);
    const live = visible(ui.lastFrame());
    assert.match(live, /⚠ warning: 12 rows have no audio_path; they were dropped/);
    assert.match(live, /│ avmnist-gated {2}\(experiment avmnist\) +│/);
    assert.match(live, /│ inputs {6}image {3}image {2}cnn {4}28x28x1 {2}-> 128 +│/);
    assert.match(live, /│ {13}speech {2}audio {2}cnn1d {2}40x32 {4}-> 128 +│/);
    assert.match(live, /│ backend {5}wasm +│/);
    assert.match(live, /│ data {8}train 6,000 {2}validation 1,000 {2}test 1,000 │/);
    assert.match(live, /│ parameters {2}1,234,567 \(1\.23M\) +│/);
    assert.match(live, /▸ training {2}20 epochs/);
    const liveLines = lines(ui.lastFrame());
    const table = liveLines.indexOf('epoch    loss     acc  val_loss  val_acc  samples/s    time');
    assert.ok(table >= 0, live);
    assert.deepEqual(liveLines.slice(table + 1, table + 3), [
      ' 1/20   0.912   0.671     0.602    0.790        612    1.0s  * new best',
      ' 2/20   0.501   0.830     0.412    0.866        612    1.0s  * new best',
    ]);
    // 2.5 of 20 epochs; 5 batches took 0.5 s, so 0.5 s left in this epoch and 0.5 + 17 × 1.04 s in all
    assert.ok(liveLines.includes('epoch  3/20 ████░░░░░░░░░░░░░░░░░░░░░░░░░░  12%  ETA 18s'), live);
    assert.ok(liveLines.includes('batch  5/10 ███████████████░░░░░░░░░░░░░░░  50%  ETA 0.5s'), live);
    assert.ok(liveLines.includes('train loss 0.286  acc 0.560  640 samples/s'), live);
    assert.ok(!live.includes('test results'));

    // the end: the live area is gone, the final blocks remain
    play(epochSteps(3, 3).slice(6), emit, clock);
    play(epochSteps(4, 5), emit, clock);
    play(ending, emit, clock);
    await settle(store);
    const final = lines(ui.lastFrame());
    const text = final.join('\n');
    assert.ok(!text.includes('▸ '), 'no phase line after the end');
    assert.ok(!text.includes('ETA'), 'no progress bars after the end');
    const history = final.indexOf('epoch    loss     acc  val_loss  val_acc  samples/s    time');
    assert.deepEqual(final.slice(history + 1, history + 8), [
      ' 1/20   0.912   0.671     0.602    0.790        612    1.0s  * new best',
      ' 2/20   0.501   0.830     0.412    0.866        612    1.0s  * new best',
      ' 3/20   0.412   0.871     0.388    0.884        612    1.0s  * new best',
      ' 4/20   0.351   0.889     0.391    0.880        612    1.0s',
      ' 5/20   0.310   0.901     0.396    0.879        612    1.0s',
      '■ early stop after epoch 5: best val_loss 0.388 at epoch 3',
      '★ best epoch 3 of 5 (val_loss 0.388), evaluated (weights restored)',
    ]);
    assert.equal(final.filter((l) => l.startsWith('epoch    loss')).length, 1, 'one header above the epochs');
    const results = final.indexOf('test results (1,000 examples)');
    assert.deepEqual(final.slice(results, results + 15), [
      'test results (1,000 examples)',
      '  accuracy  0.912',
      '  macro_f1  0.909',
      '',
      '  class      precision  recall     f1  support',
      '  0              0.951   0.970  0.960      334',
      '  1              0.900   0.880  0.890      333',
      '  2              0.885   0.886  0.885      333',
      '  macro avg      0.912   0.912  0.912    1,000',
      '',
      'confusion matrix (rows: true, columns: predicted)',
      '  true\\pred    0    1    2',
      '  0          324    6    4',
      '  1            9  293   31',
      '  2            8   30  295',
    ]);
    assert.deepEqual(final.slice(results + 16, results + 19), [
      `✔ run ${summary.runId} FINISHED in 1m 12s`,
      '  view       mlflow ui --backend-store-uri ./runs',
      `  artifacts  runs/1/${summary.runId}/artifacts`,
    ]);
    // the summary is written once and stays above everything
    assert.equal(text.split('avmnist-gated  (experiment avmnist)').length, 2);
    assert.ok(final.findIndex((l) => l.includes('avmnist-gated')) < history);
  });

  it('throttles re-renders without losing the final state', async () => {
    const store = createRunStore({ intervalMs: 100 });
    const ui = render(createElement(App, { store }));
    const before = ui.frames.length;
    play(fullRun, store.dispatch);
    assert.equal(ui.frames.length, before, 'emit never renders synchronously');
    await sleep(250);
    // ~150 events arrived in one burst: one frame (plus Ink's frame for the <Static> blocks)
    assert.ok(ui.frames.length - before <= 3, `rendered ${ui.frames.length - before} frames`);
    const final = visible(ui.lastFrame());
    assert.match(final, /test results \(1,000 examples\)/);
    assert.match(final, new RegExp(`✔ run ${summary.runId} FINISHED in`));
    assert.match(final, /mlflow ui --backend-store-uri \.\/runs/);
  });

  it('draws at most about 10 frames a second while batches stream in', async () => {
    const store = createRunStore({ intervalMs: 100 });
    const ui = render(createElement(App, { store }));
    play(preamble, store.dispatch);
    await settle(store);
    const before = ui.frames.length;
    const started = performance.now();
    store.dispatch({ type: 'epoch_start', epoch: 1, epochs: 20, batches: 400 });
    for (let batch = 1; batch <= 400; batch++) {
      store.dispatch({ type: 'batch', epoch: 1, batch, batches: 400, loss: 0.5, accuracy: 0.8, samplesPerSec: 900 });
      if (batch % 4 === 0) await sleep(2);
    }
    await sleep(150);
    const elapsed = performance.now() - started;
    const frames = ui.frames.length - before;
    assert.ok(frames >= 2, `${frames} frames`);
    assert.ok(frames <= Math.ceil(elapsed / 100) + 2, `${frames} frames in ${Math.round(elapsed)} ms`);
    assert.match(visible(ui.lastFrame()), /batch 400\/400 .* 100%/);
  });

  for (const epochs of [12, 50]) {
    it(`writes each of ${epochs} epochs to the scrollback exactly once, in order, as a terminal shows it`, async () => {
      // a real Ink render on a fake terminal stream (not ink-testing-library's debug mode), read back through a
      // terminal emulator: redrawn live frames are erased as on a real terminal, <Static> output stays
      const stdout = new Capture({ tty: true });
      const stderr = new Capture();
      const reporter = createReporter({ mode: 'tty', stdout, stderr, intervalMs: 1 });
      let midRun: string[] | undefined;
      for (const [, event] of longRun(epochs)) {
        reporter.emit(event);
        // let Ink draw live frames between events, so rows are erased and redrawn as in a real run
        if (event.type === 'batch' || event.type === 'epoch_end') await sleep(1);
        if (event.type === 'batch' && event.epoch === 4 && event.batch === 5) {
          // Ink draws on its own throttle; on a loaded machine the frame for epoch 4 comes later: wait for it
          // (bounded), then read the screen
          const epoch4 = new RegExp(`^epoch +4/${epochs} `);
          for (let i = 0; i < 250 && !screenLines(stdout.text).some((l) => epoch4.test(l)); i++) await sleep(20);
          midRun = screenLines(stdout.text);
        }
      }
      await reporter.close();
      const screen = screenLines(stdout.text);
      const counter = new RegExp(`^ *(\\d+)/${epochs} `);
      const rows = screen.filter((l) => counter.test(l));
      assert.deepEqual(
        rows.map((l) => Number(counter.exec(l)![1])),
        Array.from({ length: epochs }, (_, i) => i + 1),
        screen.join('\n'),
      );
      assert.equal(screen.filter((l) => l.startsWith('epoch    loss')).length, 1);
      assert.ok(!screen.some((l) => /not shown|…/.test(l)), 'no epoch is left out');
      assert.ok(!screen.some((l) => l.startsWith('batch ') || l.startsWith('train loss')), 'the live area is gone at the end');
      assert.ok(screen.includes(`★ best epoch 3 of ${epochs} (val_loss 0.388); evaluated: epoch ${epochs} (the last)`), screen.join('\n'));
      // mid-run: the completed epochs once each, and below them only the epoch in progress
      assert.ok(midRun, 'a mid-run screen was taken');
      assert.deepEqual(
        midRun.filter((l) => counter.test(l)).map((l) => Number(counter.exec(l)![1])),
        [1, 2, 3],
      );
      assert.ok(
        midRun.some((l) => new RegExp(`^epoch +4/${epochs} `).test(l)),
        midRun.join('\n'),
      );
    });
  }
});
