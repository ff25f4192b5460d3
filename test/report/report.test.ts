import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';

import { buildRunReport, REPORT_PATHS, type ReportEpoch, type ReportEvaluation, type ReportSummary } from '../../src/report/index.js';
import { escapeHtml, inlineSvg } from '../../src/report/report-html.js';
import type { EpochRecord } from '../../src/train/trainer.js';
import type { EvaluationResult, RunSummary } from '../../src/train/events.js';
import { sampleEvaluation, sampleInput, THIRTY } from './fixtures.js';

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
    assert.deepEqual(Object.keys(files).sort(), Object.values(REPORT_PATHS).sort());
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
      'best epoch 12',
      'Precision',
      'fusion: {type: concat, hidden: [128], dropout: 0.3}',
    ]) {
      assert.ok(html.includes(s), `report shows ${s}`);
    }
    const acc = input.test!.metrics.accuracy!.toFixed(3);
    assert.ok(html.includes(`>${acc}<`), `test accuracy ${acc}`);
    for (const p of input.test!.perClass) assert.ok(html.includes(`<td class="num">${p.f1.toFixed(3)}</td>`), `F1 of class ${p.label}`);
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
