import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';

import { buildRunReport, REPORT_PATHS, type ReportEpoch, type ReportEvaluation, type ReportSummary } from '../../src/report/index.js';
import { escapeHtml, inlineSvg } from '../../src/report/report-html.js';
import type { EpochRecord } from '../../src/train/trainer.js';
import type { EvaluationResult, RunSummary } from '../../src/core/run-events.js';
import { binaryCurves } from '../../src/evaluate/curves.js';
import { sampleEvaluation, sampleHistory, sampleInput, THIRTY } from './fixtures.js';

// The runner's own values fit the report's input types as they are (checked by tsc).
export const fitsEvaluation = (e: EvaluationResult): ReportEvaluation => e;
export const fitsSummary = (s: RunSummary): ReportSummary => s;
export const fitsHistory = (h: EpochRecord[]): readonly ReportEpoch[] => h;

const text = (v: string | Uint8Array | undefined): string => {
  assert.equal(typeof v, 'string');
  return v as string;
};

describe('buildRunReport', () => {
  it('returns both plots as SVG and 2x PNG, and report.html', async () => {
    const files = await buildRunReport(sampleInput());
    const binaryOnly: string[] = [REPORT_PATHS.rocPrCurvesSvg, REPORT_PATHS.rocPrCurvesPng];
    assert.deepEqual(
      Object.keys(files).sort(),
      Object.values(REPORT_PATHS)
        .filter((p) => !binaryOnly.includes(p))
        .sort(),
    );
    for (const [svgPath, pngPath] of [
      [REPORT_PATHS.learningCurvesSvg, REPORT_PATHS.learningCurvesPng],
      [REPORT_PATHS.confusionMatrixSvg, REPORT_PATHS.confusionMatrixPng],
    ] as const) {
      const svg = text(files[svgPath]);
      assert.match(svg, /^<svg\b/);
      const m = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg)!;
      const png = files[pngPath];
      assert.ok(png instanceof Uint8Array);
      const meta = await sharp(png).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, Number(m[1]) * 2, pngPath);
      assert.equal(meta.height, Number(m[2]) * 2, pngPath);
    }
  });

  it('writes a self-contained page: no scripts, no external requests, everything escaped', async () => {
    const input = sampleInput({
      run: { name: 'run <img src=x onerror=alert(1)>', id: 'r1', status: 'FAILED', error: 'Error: <script>boom()</script>' },
      test: sampleEvaluation(['<script>alert("c")</script>', 'cat', 'dog']),
      extra: { 'mmx.note': '"><script>alert(2)</script>' },
    });
    const html = text((await buildRunReport(input))[REPORT_PATHS.html]);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(!/<script/i.test(html), 'no script element anywhere');
    assert.ok(!/<img\b/i.test(html), 'no injected element');
    assert.ok(!/\s(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html), 'no external src/href');
    assert.ok(!/@import|url\(\s*["']?(?:https?:)?\/\//i.test(html), 'no external CSS');
    assert.ok(html.includes('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;'), 'config value escaped in the <pre>');
    assert.ok(html.includes('run &lt;img src=x onerror=alert(1)&gt;'), 'run name escaped');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt;'), 'class label escaped in the per-class table');
    assert.ok(html.includes('Error: &lt;script&gt;boom()&lt;/script&gt;'));
    assert.equal((html.match(/<svg\b/g) ?? []).length, 2, 'both plots inlined as SVG');
  });

  it('shows the run, the summary, the metrics, per-class scores and the config', async () => {
    const input = sampleInput();
    const html = text((await buildRunReport(input))[REPORT_PATHS.html]);
    for (const s of [
      'avmnist-concat',
      '11665ca4f07a4a6ba1555d159cd17086',
      'FINISHED',
      'wasm (tfjs-backend-wasm 4.22.0, SIMD, 1 thread)',
      'train 2,400 · validation 300 · test 300',
      '1,234,567',
      '<code>concat</code>',
      '<b>image</b>: image, encoder <code>cnn</code> 28×28×1 → 128',
      'Macro F1',
      'best epoch 12 (val_loss ',
      'evaluated: the weights of epoch 12',
      '1m 43s',
      'Precision',
      'fusion: {type: concat, hidden: [128], dropout: 0.3}',
    ]) {
      assert.ok(html.includes(s), `report shows ${s}`);
    }
    const acc = input.test!.metrics.accuracy!.toFixed(3);
    assert.ok(html.includes(`>${acc}<`), `test accuracy ${acc}`);
    for (const p of input.test!.perClass) assert.ok(html.includes(`<td class="num">${p.f1.toFixed(3)}</td>`), `F1 of class ${p.label}`);
  });

  it('names the best epoch and the evaluated one apart when they differ, in the summary, the history and the plot', async () => {
    const history = sampleHistory(15);
    const files = await buildRunReport(
      sampleInput({ history, outcome: { monitor: 'val_loss', bestEpoch: 9, best: 0.2, evaluatedEpoch: 15, stoppedEarly: false } }),
    );
    const html = text(files[REPORT_PATHS.html]);
    assert.ok(html.includes('best epoch 9 (val_loss 0.200) · evaluated: the weights of epoch 15'), html);
    assert.match(html, /<tr class="best"><td>9<\/td>(<td class="num">[^<]*<\/td>)*<td class="num">best<\/td><\/tr>/);
    assert.match(html, /<tr><td>15<\/td>(<td class="num">[^<]*<\/td>)*<td class="num">evaluated<\/td><\/tr>/);
    const svg = text(files[REPORT_PATHS.learningCurvesSvg]);
    assert.ok(svg.includes('best: epoch 9') && svg.includes('evaluated: epoch 15'));
  });

  it('gives a binary run ROC and precision–recall curves with AUC and AP, and the threshold table', async () => {
    const truth = [0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1];
    const scores = [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.55, 0.6, 0.65, 0.8, 0.9, 0.95];
    const curves = binaryCurves(truth, scores)!;
    const test: ReportEvaluation = {
      split: 'test',
      metrics: { accuracy: 10 / 12, roc_auc: curves.rocAuc },
      perClass: [],
      labels: ['ham', 'spam'],
      confusion: [
        [5, 1],
        [1, 5],
      ],
      threshold: 0.5,
      thresholds: [0.3, 0.5, 0.7].map((t) => ({ threshold: t, precision: 0.8, recall: 0.7, f1: 0.75 })),
      curves,
    };
    const files = await buildRunReport(sampleInput({ test }));
    const svg = text(files[REPORT_PATHS.rocPrCurvesSvg]);
    assert.ok(svg.includes(`ROC curve (AUC ${curves.rocAuc.toFixed(3)})`), svg.slice(0, 400));
    assert.ok(svg.includes(`Precision–recall (AP ${curves.averagePrecision.toFixed(3)})`));
    assert.ok(svg.includes('False positive rate') && svg.includes('Recall') && svg.includes('threshold 0.500'));
    assert.ok((await sharp(files[REPORT_PATHS.rocPrCurvesPng] as Uint8Array).metadata()).width! > 500);
    const html = text(files[REPORT_PATHS.html]);
    assert.ok(html.includes('ROC and precision–recall curves'));
    assert.ok(html.includes('<code>plots/roc_pr_curves.png</code>'));
    assert.match(html, /<h2>Decision threshold \(test, positive class\)<\/h2>/);
    assert.match(html, /<tr class="best"><td class="num">0\.500<\/td>/);
  });

  it('keeps ids of the inlined plots apart', async () => {
    const html = text((await buildRunReport(sampleInput({ test: sampleEvaluation(THIRTY, 20) })))[REPORT_PATHS.html]);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]!), `url(#${m[1]}) points at an element`);
  });

  it('still writes a report when the run stopped before training', async () => {
    const files = await buildRunReport({ run: { name: 'early-fail', id: 'x', status: 'FAILED', error: 'data error' }, history: [] });
    assert.deepEqual(Object.keys(files), [REPORT_PATHS.html]);
    assert.ok(text(files[REPORT_PATHS.html]).includes('data error'));
  });
});

describe('html helpers', () => {
  it('escapes the five HTML specials', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('strips anything active from an SVG before inlining it', () => {
    const svg =
      '<svg width="10" height="10"><script>alert(1)</script><a href="https://e.x/"><rect onclick="x()" fill="url(#g)"/></a><linearGradient id="g"/></svg>';
    const out = inlineSvg(svg, 'p0-', 'plot');
    assert.ok(!out.includes('script') && !out.includes('onclick') && !out.includes('https://'));
    assert.ok(out.includes('id="p0-g"') && out.includes('url(#p0-g)'));
  });
});
