import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReporter } from '../../src/ui/reporter.js';
import { Capture, epochSteps, fullRun, play, preamble, summary } from './helpers/script.js';

async function runPlain(mode: 'plain' | 'quiet', steps = fullRun): Promise<{ out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const reporter = createReporter({ mode, stdout, stderr });
  play(steps, (e) => reporter.emit(e));
  await reporter.close();
  return { out: stdout.text, err: stderr.text };
}

describe('plain reporter', () => {
  it('writes a header, one line per epoch, results and where to see the run', async () => {
    const { out, err } = await runPlain('plain');
    const lines = out.split('\n');
    assert.ok(!out.includes('\u001b') && !err.includes('\u001b'), 'no ANSI escape codes');

    const header = lines.indexOf('avmnist-gated  (experiment avmnist)');
    assert.ok(header >= 0, out);
    assert.deepEqual(lines.slice(header, header + 11), [
      'avmnist-gated  (experiment avmnist)',
      '  config      configs/avmnist.yaml',
      '  task        classification, 3 classes',
      '  inputs      image   image  cnn    28x28x1  -> 128',
      '              speech  audio  cnn1d  40x32    -> 128',
      '  fusion      gated',
      '  backend     wasm',
      '  data        train 6,000  validation 1,000  test 1,000',
      '  parameters  1,234,567 (1.23M)',
      '  training    20 epochs, batch size 64',
      '[building]',
    ]);

    assert.deepEqual(
      lines.filter((l) => l.startsWith('epoch ')),
      [
        'epoch  1/20  loss 0.912 acc 0.671 | val_loss 0.602 val_acc 0.790 | 612 samples/s 1.0s * new best',
        'epoch  2/20  loss 0.501 acc 0.830 | val_loss 0.412 val_acc 0.866 | 612 samples/s 1.0s * new best',
        'epoch  3/20  loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | 612 samples/s 1.0s * new best',
        'epoch  4/20  loss 0.351 acc 0.889 | val_loss 0.391 val_acc 0.880 | 612 samples/s 1.0s',
        'epoch  5/20  loss 0.310 acc 0.901 | val_loss 0.396 val_acc 0.879 | 612 samples/s 1.0s',
      ],
    );
    assert.ok(lines.includes('early stop after epoch 5: best val_loss 0.388 at epoch 3'));
    assert.ok(!/batch/i.test(out.replace('batch size', '')), 'no batch-level lines');

    // data loading: at most one line per quarter
    assert.deepEqual(
      lines.filter((l) => l.includes('decoding images')),
      [
        '  decoding images  25% (150/600)',
        '  decoding images  50% (300/600)',
        '  decoding images  75% (450/600)',
        '  decoding images  100% (600/600)',
      ],
    );

    const results = lines.indexOf('test results (1,000 examples)');
    assert.ok(results >= 0, out);
    assert.deepEqual(lines.slice(results, results + 17), [
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
      '[logging]',
      '',
    ]);
    assert.deepEqual(lines.slice(-4), [
      `run ${summary.runId} FINISHED in 1m 12s`,
      '  view       mlflow ui --backend-store-uri ./runs',
      `  artifacts  runs/1/${summary.runId}/artifacts`,
      '',
    ]);

    assert.equal(err, 'warning: 12 rows have no audio_path; they were dropped\n');
  });

  it('points at the run page on a tracking server and reports failures', async () => {
    const { out } = await runPlain('plain', [
      ...preamble,
      ...epochSteps(1, 1),
      [
        0,
        {
          type: 'end',
          status: 'FAILED',
          runId: 'abc123',
          experimentId: '7',
          artifactDir: '',
          trackingUri: 'https://mlflow.example.com/',
          seconds: 3.2,
          error: 'out of memory',
        },
      ],
    ]);
    assert.deepEqual(out.trimEnd().split('\n').slice(-2), [
      'run abc123 FAILED after 3.2s: out of memory',
      '  view  https://mlflow.example.com/#/experiments/7/runs/abc123',
    ]);
  });

  it('quiet mode keeps stdout empty and writes warnings and progress to stderr', async () => {
    const { out, err } = await runPlain('quiet');
    assert.equal(out, '');
    assert.deepEqual(err.trimEnd().split('\n'), [
      'warning: 12 rows have no audio_path; they were dropped',
      'epoch  1/20  loss 0.912 acc 0.671 | val_loss 0.602 val_acc 0.790 | 612 samples/s 1.0s * new best',
      'epoch  2/20  loss 0.501 acc 0.830 | val_loss 0.412 val_acc 0.866 | 612 samples/s 1.0s * new best',
      'epoch  3/20  loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | 612 samples/s 1.0s * new best',
      'epoch  4/20  loss 0.351 acc 0.889 | val_loss 0.391 val_acc 0.880 | 612 samples/s 1.0s',
      'epoch  5/20  loss 0.310 acc 0.901 | val_loss 0.396 val_acc 0.879 | 612 samples/s 1.0s',
      'early stop after epoch 5: best val_loss 0.388 at epoch 3',
      'best epoch 3 of 5 (val_loss 0.388), evaluated (weights restored)',
    ]);
  });

  it('ignores events after close', async () => {
    const stdout = new Capture();
    const reporter = createReporter({ mode: 'plain', stdout, stderr: new Capture() });
    await reporter.close();
    reporter.emit({ type: 'phase', phase: 'loading' });
    assert.equal(stdout.text, '');
  });
});
