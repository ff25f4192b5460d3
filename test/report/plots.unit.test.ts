import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';

import { confusionMatrixSpec } from '../../src/report/confusion-matrix.js';
import { measureText, plotFont } from '../../src/report/fonts.js';
import { metricLabel } from '../../src/report/labels.js';
import { LOG_SCALE_RATIO, valueScale } from '../../src/report/axes.js';
import { learningCurvesSpec, metricFamilies } from '../../src/report/learning-curves.js';
import type { ReportEpoch } from '../../src/report/types.js';
import { metricVsTrialSpec, type PlotPlan } from '../../src/sweep/plots.js';
import type { TrialRecord } from '../../src/sweep/records.js';
import { renderVegaLite } from '../../src/report/render.js';
import { DIGITS, sampleEvaluation, sampleHistory, THIRTY } from './fixtures.js';

/** the text nodes of an SVG, unescaped */
function svgTexts(svg: string): string[] {
  const unescape = (s: string): string =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]!));
}

async function pngSize(png: Uint8Array): Promise<{ format: string | undefined; width: number | undefined; height: number | undefined }> {
  const meta = await sharp(png).metadata();
  return { format: meta.format, width: meta.width, height: meta.height };
}

/** how many pixels of a PNG are dark (text, lines) */
async function darkPixels(png: Uint8Array): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (let i = 0; i < info.width * info.height; i++) if (data[i]! < 128) dark++;
  return dark;
}

/** What the sweep plots read of a plan: the name, the metric and the method. */
function sweepPlan(metric: string): PlotPlan {
  return {
    base: { config: { name: 'sweep' } },
    metric: { name: metric, goal: metric.endsWith('loss') ? 'minimize' : 'maximize', perEpoch: true },
    method: 'random',
    defs: [],
  };
}

function trial(number: number, value: number): TrialRecord {
  return { number, status: 'FINISHED', params: {}, value, history: [], epochs: 3 };
}

describe('learning curves', () => {
  it('groups train_/val_ metrics into families, loss first, accuracy second', () => {
    const families = metricFamilies([
      {
        epoch: 1,
        metrics: { val_macro_f1: 0.5, train_accuracy: 0.4, train_loss: 1, val_loss: 1.1, val_accuracy: 0.45, samples_per_sec: 300 },
      },
      {
        epoch: 2,
        metrics: { val_macro_f1: 0.6, train_accuracy: 0.5, train_loss: 0.8, val_loss: NaN, val_accuracy: 0.55, samples_per_sec: 310 },
      },
    ]);
    assert.deepEqual(
      families.map((f) => f.name),
      ['loss', 'accuracy', 'macro_f1'],
    );
    const loss = families[0]!;
    assert.deepEqual(
      loss.points.filter((p) => p.split === 'Validation').map((p) => p.value),
      [1.1, null],
      'a non-finite value is a gap, not a point',
    );
    assert.equal(metricLabel('macro_f1'), 'Macro F1');
    assert.equal(metricLabel('loss'), 'Loss');
  });

  it('has no spec without epochs', () => {
    assert.equal(learningCurvesSpec([]), undefined);
  });

  it('renders panels with axis titles, a legend, integer epochs and the best epoch', async () => {
    const history = sampleHistory(15);
    const plot = await renderVegaLite(learningCurvesSpec(history, { bestEpoch: 12, title: 'Learning curves', subtitle: 'run-x' })!);
    const texts = svgTexts(plot.svg);
    for (const t of ['Learning curves', 'run-x', 'Epoch', 'Loss', 'Accuracy', 'Macro F1', 'Train', 'Validation', 'best: epoch 12']) {
      assert.ok(texts.includes(t), `SVG text '${t}' (got ${JSON.stringify(texts.slice(0, 60))})`);
    }
    const epochTicks = texts.filter((t) => /^\d+(\.\d+)?$/.test(t) && Number(t) >= 1 && Number(t) <= 15);
    assert.ok(epochTicks.length > 0);
    assert.ok(!texts.some((t) => /^\d+\.5$/.test(t)), 'no fractional epoch ticks');
    assert.equal(plot.svg.match(/aria-roledescription="legend"|class="mark-group role-legend"/g)?.length, 1, 'one shared legend');
    assert.deepEqual(await pngSize(plot.png), { format: 'png', width: plot.width * 2, height: plot.height * 2 });
    assert.ok(plot.width > 600 && plot.height > 200, `a readable size, got ${plot.width}x${plot.height}`);
  });

  it('copes with one epoch and with validation-only metrics', async () => {
    const plot = await renderVegaLite(
      learningCurvesSpec([{ epoch: 1, metrics: { train_loss: 1.2, val_loss: 1.3, val_macro_f1: 0.4 } }], { bestEpoch: 1 })!,
    );
    const texts = svgTexts(plot.svg);
    assert.ok(texts.includes('Loss') && texts.includes('Macro F1'));
    assert.ok((await pngSize(plot.png)).width! > 0);
  });
});

describe('axes a practitioner accepts', () => {
  const flat = (epochs: number, loss: (e: number) => number): ReportEpoch[] =>
    Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      metrics: { train_loss: loss(i + 1), val_loss: loss(i + 1) * 1.1, train_accuracy: 0.8 + i * 0.01, val_accuracy: 0.79 + i * 0.01 },
    }));

  it('starts a loss axis at 0 and ends an accuracy axis at 1', async () => {
    // losses between 0.30 and 0.55, accuracies between 0.79 and 0.88: neither axis would reach 0 or 1 by itself
    const plot = await renderVegaLite(learningCurvesSpec(flat(9, (e) => 0.5 - e * 0.02))!);
    const texts = svgTexts(plot.svg);
    assert.ok(texts.includes('0.0'), `a 0 tick on the loss axis: ${JSON.stringify(texts)}`);
    assert.ok(texts.includes('Loss') && !texts.includes('Loss (log scale)'));
    assert.ok(texts.includes('1.00') || texts.includes('1.0'), `a 1 tick on the accuracy axis: ${JSON.stringify(texts)}`);
    assert.ok(!texts.some((t) => /^1\.\d*[1-9]\d*$/.test(t)), 'no tick above 1');
  });

  it('puts a loss that spans decades on a log axis', async () => {
    const plot = await renderVegaLite(learningCurvesSpec(flat(12, (e) => 2.3 * Math.exp(-0.6 * (e - 1))))!);
    const texts = svgTexts(plot.svg);
    assert.ok(texts.includes('Loss (log scale)'), JSON.stringify(texts));
    assert.ok(texts.includes('0.01') && texts.includes('1'), `decade ticks: ${JSON.stringify(texts)}`);
    assert.equal(valueScale('val_loss', [2.3, 0.07]).type, 'log', `ratio ${2.3 / 0.07} ≥ ${LOG_SCALE_RATIO}`);
    assert.deepEqual(valueScale('val_loss', [0.5, 0.3, null]), { zero: true, nice: true });
    assert.equal(valueScale('test_macro_f1', [0.5, 0.7]).domainMax, 1);
    assert.equal(valueScale('r2', [0.5, 0.7]).domainMax, undefined);
  });

  it('gives sweep plots whole trial numbers and the same metric axes', async () => {
    const plan = sweepPlan('val_accuracy');
    const trials = [1, 2, 3].map((n) => trial(n, 0.9 + n * 0.01));
    const texts = svgTexts((await renderVegaLite(metricVsTrialSpec(plan, trials))).svg);
    const numeric = texts.filter((t) => /^-?\d+(\.\d+)?$/.test(t));
    for (const n of ['1', '2', '3']) assert.ok(texts.includes(n), `trial tick ${n}: ${JSON.stringify(texts)}`);
    assert.ok(!numeric.some((t) => /^[0-4]\.5$/.test(t)), `no half trials: ${JSON.stringify(numeric)}`);
    assert.ok(texts.includes('1.00') || texts.includes('1.0'), `the accuracy axis ends at 1: ${JSON.stringify(texts)}`);
    const loss = svgTexts((await renderVegaLite(metricVsTrialSpec(sweepPlan('val_loss'), [trial(1, 0.4), trial(2, 0.35)]))).svg);
    assert.ok(loss.includes('0.0') || loss.includes('0.00'), `the loss axis starts at 0: ${JSON.stringify(loss)}`);
  });
});

describe('confusion matrix', () => {
  it('puts true on y and predicted on x, counts in every cell, white text on dark cells', () => {
    const labels = ['a', 'b', 'c'];
    const spec = confusionMatrixSpec(labels, [
      [50, 2, 0],
      [3, 40, 7],
      [0, 1, 9],
    ]) as unknown as {
      data: { values: { true: string; predicted: string; count: number; rate: number; text: string; textColor: string }[] };
      encoding: { x: { field: string; title: string }; y: { field: string; title: string } };
    };
    assert.equal(spec.encoding.x.field, 'predicted');
    assert.equal(spec.encoding.y.field, 'true');
    const cell = (t: string, p: string) => spec.data.values.find((v) => v.true === t && v.predicted === p)!;
    assert.equal(cell('b', 'c').count, 7);
    assert.equal(cell('b', 'c').rate, 7 / 50);
    assert.equal(cell('a', 'a').textColor, '#ffffff');
    assert.equal(cell('b', 'c').textColor, '#111111');
    assert.equal(cell('a', 'c').text, '0');
  });

  it('renders 10 classes with labels, counts and axis titles', async () => {
    const ev = sampleEvaluation(DIGITS);
    const plot = await renderVegaLite(confusionMatrixSpec(ev.labels, ev.confusion, { title: 'Confusion matrix' })!);
    const texts = svgTexts(plot.svg);
    for (const t of ['Confusion matrix', 'Predicted label', 'True label', ...DIGITS]) assert.ok(texts.includes(t), `SVG text '${t}'`);
    for (let i = 0; i < DIGITS.length; i++) {
      const diagonal = String(ev.confusion[i]![i]);
      assert.ok(texts.includes(diagonal), `count ${diagonal} on the diagonal`);
    }
    const counts = texts.filter((t) => /^\d+$/.test(t));
    assert.ok(counts.length >= 100, `one count per cell plus tick labels, got ${counts.length}`);
    assert.deepEqual(await pngSize(plot.png), { format: 'png', width: plot.width * 2, height: plot.height * 2 });
  });

  it('stays readable with 30 classes: every label, no zero clutter, count colouring on request', async () => {
    const ev = sampleEvaluation(THIRTY, 40);
    const plot = await renderVegaLite(confusionMatrixSpec(ev.labels, ev.confusion, { color: 'count' })!);
    const texts = svgTexts(plot.svg);
    for (const label of THIRTY) assert.ok(texts.includes(label), `class label '${label}'`);
    assert.ok(texts.includes('Count'), 'legend titled Count');
    const zeros = ev.confusion.flat().filter((v) => v === 0).length;
    assert.ok(texts.filter((t) => t === '0').length < zeros / 10, 'zeros are left blank');
    assert.ok(plot.width < 1100 && plot.height < 1100, `fits a page, got ${plot.width}x${plot.height}`);
  });

  it('escapes class labels in the SVG', async () => {
    const plot = await renderVegaLite(
      confusionMatrixSpec(
        ['<script>x</script>', 'a&b'],
        [
          [1, 0],
          [0, 1],
        ],
      )!,
    );
    assert.ok(!plot.svg.includes('<script'));
    assert.ok(plot.svg.includes('a&amp;b'));
  });
});

describe('fonts', () => {
  const textSpec: TopLevelSpec = {
    width: 200,
    height: 60,
    data: { values: [{ t: 'Epoch 12' }] },
    mark: { type: 'text', fontSize: 30, color: 'black' },
    encoding: { text: { field: 't' } },
    config: { view: { stroke: null } },
  } as TopLevelSpec;

  it('draws text with the font it measures with', async (t) => {
    const font = plotFont();
    if (!font) {
      t.skip('no usable font on this machine (apt: fonts-dejavu-core); plots render without text');
      return;
    }
    assert.ok(font.regular.advance.size > 100, `${font.regular.file} parsed`);
    const w = measureText('Epoch', 10, font.regular);
    assert.ok(w > 20 && w < 45, `'Epoch' at 10px is ${w}px wide`);
    const plot = await renderVegaLite(textSpec);
    assert.ok((await darkPixels(plot.png)) > 500, 'text pixels are drawn');
  });

  it('renders without any font without crashing', async () => {
    const before = process.env.MMX_PLOT_FONT;
    process.env.MMX_PLOT_FONT = 'none';
    try {
      const plot = await renderVegaLite(textSpec);
      assert.equal((await pngSize(plot.png)).format, 'png');
    } finally {
      if (before === undefined) delete process.env.MMX_PLOT_FONT;
      else process.env.MMX_PLOT_FONT = before;
    }
  });
});
