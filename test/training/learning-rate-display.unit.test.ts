/**
 * The `learning_rate` metric where people look: the plain epoch line and the Ink epoch table (after the validation
 * metrics, as `lr 3.0e-4`), and its own panel of the learning-curve plot (log axis when it spans decades).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochHeaderLine, epochLayout, epochLine, epochRowLine } from '../../src/ui/sections.js';
import { learningCurvesSpec } from '../../src/report/learning-curves.js';

const record = (epoch: number, lr: number) => ({
  epoch,
  epochs: 3,
  metrics: { train_loss: 0.5, learning_rate: lr, val_loss: 0.4, train_accuracy: 0.8, val_accuracy: 0.85 },
  samplesPerSec: 1000,
  seconds: 2,
  best: false,
});

describe('learning rate in the UI and the plot', () => {
  it('plain lines and the epoch table show it last, as lr in exponent form', () => {
    assert.match(epochLine(record(1, 0.0003)), /loss 0\.500 acc 0\.800 \| val_loss 0\.400 val_acc 0\.850 \| lr 3\.0e-4 \|/);
    const layout = epochLayout(record(1, 0.001));
    assert.match(epochHeaderLine(layout), /val_acc\s+lr\s+samples\/s/);
    assert.match(epochRowLine(layout, record(2, 0.00025)), /0\.850\s+2\.5e-4\s+1,000/);
  });

  it('the learning-curve plot gets a learning-rate panel; a rate falling 100× goes on a log axis', () => {
    const history = [1, 2, 3].map((e) => ({ epoch: e, metrics: record(e, [0.01, 0.001, 0.0001][e - 1]!).metrics }));
    const spec = learningCurvesSpec(history) as unknown as {
      concat: Array<{ data: { values: unknown[] }; layer: Array<{ encoding: { y: { title: string; scale: { type?: string } } } }> }>;
    };
    const panel = spec.concat.find((p) => p.layer[0]!.encoding.y.title.startsWith('Learning rate'))!;
    assert.ok(panel, 'a learning-rate panel');
    assert.equal(panel.layer[0]!.encoding.y.scale.type, 'log');
    assert.deepEqual(panel.data.values, [
      { epoch: 1, value: 0.01 },
      { epoch: 2, value: 0.001 },
      { epoch: 3, value: 0.0001 },
    ]);
    const flat = learningCurvesSpec(
      history.map((h) => ({ ...h, metrics: { ...h.metrics, learning_rate: 0.001 } })),
    ) as unknown as typeof spec;
    const flatPanel = flat.concat.find((p) => p.layer[0]!.encoding.y.title.startsWith('Learning rate'))!;
    assert.equal(flatPanel.layer[0]!.encoding.y.scale.type, undefined, 'a constant rate on a linear axis from 0');
    const none = learningCurvesSpec(history.map((h) => ({ ...h, metrics: { train_loss: 0.5, val_loss: 0.4 } }))) as unknown as typeof spec;
    assert.equal(none.concat.length, 1, 'no learning rate, no panel');
  });
});
