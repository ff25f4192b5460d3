/**
 * The sweep's plots, as Vega-Lite specs rendered with `src/report/render.ts` (SVG + PNG): the metric of every
 * trial in order with the best-so-far line, and one panel per swept parameter (metric against the value).
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite, type RenderedPlot } from '../report/render.js';
import { plotConfig } from '../report/learning-curves.js';
import type { SweepPlan } from './plan.js';
import { better, type TrialRecord } from './records.js';
import { showValue } from './space.js';

const COLORS = { domain: ['FINISHED', 'pruned', 'FAILED', 'KILLED'], range: ['#1f77b4', '#ff7f0e', '#d62728', '#7f7f7f'] };

const state = (t: TrialRecord): string => (t.pruned ? 'pruned' : t.status);

export function metricVsTrialSpec(plan: SweepPlan, trials: readonly TrialRecord[]): TopLevelSpec {
  const sorted = [...trials].sort((a, b) => a.number - b.number).filter((t) => t.value !== undefined && Number.isFinite(t.value));
  let best: number | undefined;
  const rows = sorted.map((t) => {
    if (t.status === 'FINISHED' && (best === undefined || better(plan.metric.goal, t.value!, best))) best = t.value!;
    return { trial: t.number, value: t.value!, status: state(t), best: best ?? null };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${plan.base.config.name}: ${plan.metric.name} by trial`, subtitle: `${plan.method} search, ${plan.metric.goal}` },
    width: 520,
    height: 280,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', interpolate: 'step-after', color: '#2ca02c' },
        encoding: {
          x: { field: 'trial', type: 'quantitative', title: 'trial' },
          y: { field: 'best', type: 'quantitative', title: plan.metric.name, scale: { zero: false } },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'trial', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'status', type: 'nominal', scale: COLORS, title: null },
        },
      },
    ],
    config: { ...plotConfig(), legend: { orient: 'bottom', direction: 'horizontal' } },
  } as TopLevelSpec;
}

export function parametersSpec(plan: SweepPlan, trials: readonly TrialRecord[]): TopLevelSpec | undefined {
  const swept = plan.defs.filter((d) => d.kind !== 'constant');
  if (swept.length === 0) return undefined;
  const done = trials.filter((t) => t.value !== undefined && Number.isFinite(t.value));
  const panels = swept.map((d) => {
    const numeric = d.kind === 'numeric';
    const rows = done.map((t) => ({
      x: numeric ? Number(t.params[d.path]) : showValue(t.params[d.path]),
      value: t.value!,
      status: state(t),
      trial: t.number,
    }));
    return {
      title: d.path,
      width: 220,
      height: 180,
      data: { values: rows },
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: numeric
          ? { field: 'x', type: 'quantitative', title: d.path, scale: { type: d.log ? 'log' : 'linear', zero: false } }
          : { field: 'x', type: 'nominal', title: d.path, sort: d.values.map(showValue) },
        y: { field: 'value', type: 'quantitative', title: plan.metric.name, scale: { zero: false } },
        color: { field: 'status', type: 'nominal', scale: COLORS, title: null },
      },
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${plan.metric.name} by parameter` },
    concat: panels,
    columns: 3,
    config: { ...plotConfig(), legend: { orient: 'bottom', direction: 'horizontal' } },
  } as TopLevelSpec;
}

export interface SweepPlots {
  metricVsTrial?: RenderedPlot;
  parameters?: RenderedPlot;
}

/** Renders both plots; a plot that cannot be drawn is left out (plots never fail a sweep). */
export async function renderSweepPlots(plan: SweepPlan, trials: readonly TrialRecord[], onError: (m: string) => void): Promise<SweepPlots> {
  const out: SweepPlots = {};
  if (!trials.some((t) => t.value !== undefined)) return out;
  try {
    out.metricVsTrial = await renderVegaLite(metricVsTrialSpec(plan, trials));
  } catch (err) {
    onError(`metric-vs-trial plot: ${(err as Error).message}`);
  }
  try {
    const spec = parametersSpec(plan, trials);
    if (spec) out.parameters = await renderVegaLite(spec);
  } catch (err) {
    onError(`parameter plot: ${(err as Error).message}`);
  }
  return out;
}
