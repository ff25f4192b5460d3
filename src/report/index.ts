/**
 * The per-run report: learning curves and confusion matrix (SVG + PNG, rendered with Vega-Lite and
 * resvg, no browser) and one self-contained `report.html`. `buildRunReport` returns artifact paths →
 * contents; the caller logs each one with `tracker.logArtifact`.
 */
import { confusionMatrixSpec } from './confusion-matrix.js';
import { learningCurvesSpec } from './learning-curves.js';
import { renderVegaLite, type RenderedPlot } from './render.js';
import { reportHtml, type ReportPlot } from './report-html.js';
import type { RunReportInput } from './types.js';

export type { ReportClassScores, ReportEpoch, ReportEvaluation, ReportModality, ReportSummary, RunReportInput } from './types.js';
export { confusionMatrixSpec, type ConfusionMatrixOptions } from './confusion-matrix.js';
export { learningCurvesSpec, metricFamilies, type LearningCurveOptions } from './learning-curves.js';
export { renderVegaLite, fontStack, type RenderedPlot, type RenderOptions } from './render.js';
export { reportHtml, escapeHtml, type ReportPlot } from './report-html.js';
export { plotFont } from './fonts.js';

export const REPORT_PATHS = {
  learningCurvesSvg: 'plots/learning_curves.svg',
  learningCurvesPng: 'plots/learning_curves.png',
  confusionMatrixSvg: 'plots/confusion_matrix.svg',
  confusionMatrixPng: 'plots/confusion_matrix.png',
  html: 'report.html',
} as const;

export type RunReportArtifacts = Record<string, string | Uint8Array>;

/**
 * Builds every report artifact for one run. Plots whose data is missing are left out (no epochs → no
 * learning curves; no test evaluation or no classes → no confusion matrix); `report.html` is always there.
 */
export async function buildRunReport(input: RunReportInput): Promise<RunReportArtifacts> {
  const out: RunReportArtifacts = {};
  const plots: ReportPlot[] = [];
  const add = (plot: RenderedPlot, svgPath: string, pngPath: string, title: string): void => {
    out[svgPath] = plot.svg;
    out[pngPath] = plot.png;
    plots.push({ title, svg: plot.svg, width: plot.width, files: [svgPath, pngPath] });
  };

  const curves = learningCurvesSpec(input.history, {
    ...(input.bestEpoch !== undefined ? { bestEpoch: input.bestEpoch } : {}),
    title: 'Learning curves',
    subtitle: input.run.name,
  });
  if (curves) add(await renderVegaLite(curves), REPORT_PATHS.learningCurvesSvg, REPORT_PATHS.learningCurvesPng, 'Learning curves');

  const test = input.test;
  if (test && test.labels.length && test.confusion.length === test.labels.length) {
    const total = test.confusion.reduce((a, row) => a + row.reduce((b, v) => b + v, 0), 0);
    const color = input.confusionColor ?? 'row';
    const spec = confusionMatrixSpec(test.labels, test.confusion, {
      color,
      title: 'Confusion matrix',
      subtitle: `${input.run.name} · ${test.split || 'test'} split, ${total.toLocaleString('en-US')} examples${color === 'row' ? ' · colour: share of true class' : ''}`,
    });
    if (spec) add(await renderVegaLite(spec), REPORT_PATHS.confusionMatrixSvg, REPORT_PATHS.confusionMatrixPng, 'Confusion matrix');
  }

  out[REPORT_PATHS.html] = reportHtml(input, plots);
  return out;
}
