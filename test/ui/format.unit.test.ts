import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatCompact,
  formatCount,
  formatDuration,
  formatEta,
  formatMetric,
  formatParams,
  formatPercent,
  formatRate,
  formatSamplesPerSec,
  formatShape,
  formatTable,
  progressBar,
  shellQuote,
  truncate,
} from '../../src/ui/format.js';
import { formatDuration as sharedFormatDuration } from '../../src/format/duration.js';
import { epochHeaderLine, epochLayout, epochLine, epochRowLine } from '../../src/ui/sections.js';

describe('format helpers', () => {
  it('formats durations and ETAs', () => {
    assert.equal(formatDuration(4.12), '4.1s');
    assert.equal(formatDuration(9.96), '10s');
    assert.equal(formatDuration(42.4), '42s');
    assert.equal(formatDuration(59.6), '1m 00s');
    assert.equal(formatDuration(65), '1m 05s');
    assert.equal(formatDuration(7380), '2h 03m');
    assert.equal(formatDuration(3 * 86400 + 4 * 3600 + 1), '3d 04h');
    // one formatter: the UI's is the shared one (src/format/duration.ts) that the report, mmx runs, mmx cache
    // and messages use too
    assert.equal(formatDuration, sharedFormatDuration);
    assert.equal(formatDuration(Number.NaN), '--');
    assert.equal(formatDuration(-1), '--');
    assert.equal(formatEta(undefined), 'ETA --');
    assert.equal(formatEta(17.5), 'ETA 18s');
  });

  it('formats numbers without depending on the locale', () => {
    assert.equal(formatCount(1234567), '1,234,567');
    assert.equal(formatCount(-1000), '-1,000');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCompact(999), '999');
    assert.equal(formatCompact(12345), '12.3k');
    assert.equal(formatCompact(1234567), '1.23M');
    assert.equal(formatParams(1234567), '1,234,567 (1.23M)');
    assert.equal(formatParams(850), '850');
    assert.equal(formatMetric(0.41234), '0.412');
    assert.equal(formatMetric(123.456), '123.5');
    assert.equal(formatMetric(0.00001234), '1.2e-5');
    assert.equal(formatMetric(0), '0.000');
    assert.equal(formatMetric(Number.NaN), 'nan');
    assert.equal(formatMetric(Number.POSITIVE_INFINITY), 'inf');
    assert.equal(formatRate(612.4), '612 samples/s');
    assert.equal(formatRate(3.25), '3.3 samples/s');
    assert.equal(formatRate(25600), '25,600 samples/s');
    assert.equal(formatPercent(150, 600), '25%');
    assert.equal(formatPercent(599, 600), '99%');
    assert.equal(formatShape([28, 28, 1]), '28x28x1');
    assert.equal(formatShape([]), '1');
  });

  it('draws fixed-width progress bars', () => {
    assert.equal(progressBar(0.5, 10), '█████░░░░░');
    assert.equal(progressBar(2, 4), '████');
    assert.equal(progressBar(Number.NaN, 4), '░░░░');
    assert.equal(progressBar(0.25, 4, { full: '#', empty: '-' }), '#---');
  });

  it('cuts and quotes text', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abc', 4), 'abc');
    assert.equal(shellQuote('./runs'), './runs');
    assert.equal(shellQuote('/tmp/my runs'), `'/tmp/my runs'`);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('lays out tables with aligned columns', () => {
    const lines = formatTable(
      [
        { header: 'class', maxWidth: 6 },
        { header: 'f1', align: 'right' },
        { header: 'support', align: 'right' },
      ],
      [
        ['cat', '0.912', '12'],
        ['hippopotamus', '0.5', '1,204'],
      ],
      { indent: '  ' },
    );
    assert.deepEqual(lines, ['  class      f1  support', '  cat     0.912       12', '  hippo…    0.5    1,204']);
    assert.deepEqual(formatTable([{ header: 'a' }], [['x']], { header: false }), ['x']);
  });

  it('writes one line per epoch, and epoch table rows whose columns never move', () => {
    const record = {
      epoch: 3,
      epochs: 20,
      metrics: { val_accuracy: 0.8842, train_loss: 0.412, val_loss: 0.3881, train_accuracy: 0.871 },
      samplesPerSec: 612.4,
      seconds: 4.12,
      best: true,
    };
    assert.equal(epochLine(record), 'epoch  3/20  loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | 612 samples/s 4.1s * new best');
    // the layout is fixed by the first epoch; later rows with wider values (a loss of 12.345, 12,000
    // samples/s, a minute per epoch) keep every column where the header put it
    const layout = epochLayout(record);
    const header = epochHeaderLine(layout);
    assert.equal(header, 'epoch    loss     acc  val_loss  val_acc  samples/s    time');
    const later = epochRowLine(layout, {
      ...record,
      epoch: 17,
      metrics: { train_loss: 12.345, train_accuracy: 0.5, val_loss: -0.123, val_accuracy: 1 },
      samplesPerSec: 12_000.4,
      seconds: 65,
      best: false,
    });
    assert.equal(later, '17/20  12.345   0.500    -0.123    1.000     12,000  1m 05s');
    assert.equal(epochRowLine(layout, record), ' 3/20   0.412   0.871     0.388    0.884        612    4.1s  * new best');
    for (const col of ['loss', 'acc', 'val_loss', 'val_acc', 'samples/s', 'time']) {
      const end = header.indexOf(col) + col.length;
      assert.ok(/\S/.test(later[end - 1]!) && (later[end] === ' ' || later[end] === undefined), `column ${col} ends at ${end}`);
    }
  });

  it('writes samples/s in one unit, whatever the magnitude', () => {
    assert.deepEqual([7.46, 612.4, 9_876, 12_345.6, 1_234_567].map(formatSamplesPerSec), ['7.5', '612', '9,876', '12,346', '1,234,567']);
    assert.equal(formatRate(12_345.6), '12,346 samples/s');
  });
});
