import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReporter, reporterModeFor } from '../../src/ui/reporter.js';
import { Capture, fakeClock, fullRun, play, summary, visible } from './helpers/script.js';

describe('createReporter', () => {
  it('tty mode draws with Ink and leaves the final results on screen after close()', async () => {
    const stdout = new Capture({ tty: true });
    const stderr = new Capture({ tty: true });
    const clock = fakeClock();
    const reporter = createReporter({ mode: 'tty', stdout, stderr, now: clock.now });
    play(fullRun, (e) => reporter.emit(e), clock);
    await reporter.close();
    await reporter.close(); // idempotent
    reporter.emit({ type: 'log', level: 'warn', message: 'after close' });

    const screen = visible(stdout.text);
    for (const expected of [
      'avmnist-gated  (experiment avmnist)',
      '■ early stop after epoch 5: best val_loss 0.388 at epoch 3',
      'test results (1,000 examples)',
      '  macro avg      0.912   0.912  0.912    1,000',
      '  2            8   30  295',
      `✔ run ${summary.runId} FINISHED in 1m 12s`,
      '  view       mlflow ui --backend-store-uri ./runs',
    ]) {
      assert.ok(screen.includes(expected), `missing ${JSON.stringify(expected)} in\n${screen}`);
    }
    // final blocks are written once, after the summary, in order
    assert.equal(screen.split('test results (1,000 examples)').length, 2);
    assert.ok(screen.indexOf('avmnist-gated') < screen.indexOf('test results'));
    assert.ok(screen.indexOf('test results') < screen.indexOf(`✔ run ${summary.runId}`));
    assert.ok(!screen.includes('after close'));
    assert.equal(stderr.text, '');
  });

  it('close() without an end event still leaves what happened on screen', async () => {
    const stdout = new Capture({ tty: true });
    const reporter = createReporter({ mode: 'tty', stdout, stderr: new Capture({ tty: true }) });
    play(fullRun.slice(0, 60), (e) => reporter.emit(e));
    await reporter.close();
    const screen = visible(stdout.text);
    assert.match(screen, /epoch {4}loss {5}acc {2}val_loss/);
    assert.match(screen, / 1\/20 {3}0\.912/);
  });

  it('picks the mode from --json, the stream and the environment', () => {
    const tty = new Capture({ tty: true });
    const pipe = new Capture();
    assert.equal(reporterModeFor({ json: true, stdout: tty, env: {} }), 'quiet');
    assert.equal(reporterModeFor({ stdout: tty, env: {} }), 'tty');
    assert.equal(reporterModeFor({ stdout: pipe, env: {} }), 'plain');
    assert.equal(reporterModeFor({ stdout: tty, env: { CI: 'true' } }), 'plain');
    assert.equal(reporterModeFor({ stdout: tty, env: { CI: 'false' } }), 'tty');
    assert.equal(reporterModeFor({ stdout: tty, env: { TERM: 'dumb' } }), 'plain');
  });
});
