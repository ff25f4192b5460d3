/**
 * The per-run report: learning curves, confusion matrix and (binary tasks) ROC / PR curves (SVG + PNG, rendered with Vega-Lite and
 * resvg, no browser) and one self-contained `report.html`. `buildRunReport` returns artifact paths →
 * contents; the caller logs each one with `tracker.logArtifact`.
 */
import { binaryCurvesSpec } from './binary-curves.js';
import { confusionMatrixSpec } from './confusion-matrix.js';
import { learningCurvesSpec } from './learning-curves.js';
import { renderVegaLite, type RenderedPlot } from './render.js';
import { reportHtml, type ReportPlot } from './report-html.js';
import type { ReportEvaluation, RunReportInput } from './types.js';

export type {
  ReportClassScores,
  ReportCurves,
  ReportEpoch,
  ReportEvaluation,
  ReportModality,
  ReportOutcome,
  ReportSummary,
  ReportThresholdRow,
  RunReportInput,
} from './types.js';
export { binaryCurvesSpec, type BinaryCurvesOptions } from './binary-curves.js';
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
  rocPrCurvesSvg: 'plots/roc_pr_curves.svg',
  rocPrCurvesPng: 'plots/roc_pr_curves.png',
  html: 'report.html',
} as const;

export type RunReportArtifacts = Record<string, string | Uint8Array>;

/** A binary evaluation's operating point, from its 2×2 confusion matrix (negative class first). */
function operatingPoint(test: ReportEvaluation): { threshold: number; fpr: number; recall: number; precision: number } | undefined {
  const c = test.confusion;
  if (test.threshold === undefined || c.length !== 2) return undefined;
  const [tn = 0, fp = 0] = c[0]!;
  const [fn = 0, tp = 0] = c[1]!;
  if (tn + fp === 0 || tp + fn === 0) return undefined;
  return { threshold: test.threshold, fpr: fp / (fp + tn), recall: tp / (tp + fn), precision: tp + fp ? tp / (tp + fp) : 1 };
}

/**
 * Builds every report artifact for one run. Plots whose data is missing are left out (no epochs → no
 * learning curves; no test evaluation or no classes → no confusion matrix; not a binary task → no ROC / PR
 * curves); `report.html` is always there.
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
    ...(input.outcome?.bestEpoch !== undefined ? { bestEpoch: input.outcome.bestEpoch } : {}),
    ...(input.outcome ? { evaluatedEpoch: input.outcome.evaluatedEpoch } : {}),
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

  if (test?.curves) {
    const spec = binaryCurvesSpec(test.curves, {
      title: 'ROC and precision–recall curves',
      subtitle: `${input.run.name} · ${test.split || 'test'} split · dashed: a random classifier; ◆ the model at its decision threshold`,
      ...(operatingPoint(test) ? { operating: operatingPoint(test)! } : {}),
    });
    add(await renderVegaLite(spec), REPORT_PATHS.rocPrCurvesSvg, REPORT_PATHS.rocPrCurvesPng, 'ROC and precision–recall curves');
  }

  out[REPORT_PATHS.html] = reportHtml(input, plots);
  return out;
}
