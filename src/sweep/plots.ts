/**
 * The sweep's plots, as Vega-Lite specs rendered with `src/report/render.ts` (SVG + PNG): the metric of every
 * trial in order with the best-so-far line, and one panel per swept parameter (metric against the value).
 */
import type { TopLevelSpec } from 'vega-lite';
import { valueScale } from '../report/axes.js';
import { renderVegaLite, type RenderedPlot } from '../report/render.js';
import { integerTicks, plotConfig } from '../report/learning-curves.js';
import type { SweepPlan } from './plan.js';
import { better, type TrialRecord } from './records.js';
import { showValue } from '../search/space.js';

const COLORS = { domain: ['FINISHED', 'pruned', 'FAILED', 'KILLED'], range: ['#1f77b4', '#ff7f0e', '#d62728', '#7f7f7f'] };

/** What the plots read of a sweep's plan (a SweepPlan is one). */
export interface PlotPlan {
  base: { config: { name: string } };
  metric: SweepPlan['metric'];
  method: SweepPlan['method'];
  defs: SweepPlan['defs'];
}

const state = (t: TrialRecord): string => (t.pruned ? 'pruned' : t.status);

export function metricVsTrialSpec(plan: PlotPlan, trials: readonly TrialRecord[]): TopLevelSpec {
  const sorted = [...trials].sort((a, b) => a.number - b.number).filter((t) => t.value !== undefined && Number.isFinite(t.value));
  let best: number | undefined;
  const rows = sorted.map((t) => {
    if (t.status === 'FINISHED' && (best === undefined || better(plan.metric.goal, t.value!, best))) best = t.value!;
    return { trial: t.number, value: t.value!, status: state(t), best: best ?? null };
  });
  const numbers = rows.map((r) => r.trial);
  const first = Math.min(...numbers, 1);
  const last = Math.max(...numbers, first);
  // trials are whole numbers: integer ticks only, at most about 10 of them
  const x = {
    field: 'trial',
    type: 'quantitative' as const,
    title: 'trial',
    scale: { domain: first === last ? [first - 1, last + 1] : [first, last], nice: false, padding: 10 },
    axis: { format: 'd', values: integerTicks(first, last) },
  };
  const scale = valueScale(
    plan.metric.name,
    rows.map((r) => r.value),
  );
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
          x,
          y: {
            field: 'best',
            type: 'quantitative',
            title: scale.type === 'log' ? `${plan.metric.name} (log scale)` : plan.metric.name,
            scale,
          },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'status', type: 'nominal', scale: COLORS, title: null },
        },
      },
    ],
    config: { ...plotConfig(), legend: { orient: 'bottom', direction: 'horizontal' } },
  } as TopLevelSpec;
}

export function parametersSpec(plan: PlotPlan, trials: readonly TrialRecord[]): TopLevelSpec | undefined {
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
        y: {
          field: 'value',
          type: 'quantitative',
          title: plan.metric.name,
          scale: valueScale(
            plan.metric.name,
            rows.map((r) => r.value),
          ),
        },
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
