/**
 * Learning curves as a Vega-Lite spec: one panel per metric family (loss, accuracy, macro F1, ...),
 * train and validation as two coloured series with a shared legend, x = epoch with integer ticks, the
 * best epoch marked with a dashed rule (and the evaluated epoch, when the model kept another one's
 * weights), and the learning rate per epoch in a panel of its own (learning-rate-panel.ts). Y axes as a practitioner reads them (see axes.ts): losses from 0, or on a log scale when
 * they span decades; accuracy and F1 up to 1.
 */
import type { TopLevelSpec } from 'vega-lite';
import { valueScale } from './axes.js';
import { isUnitInterval, lowerIsBetter, metricLabel } from './labels.js';
import type { ReportEpoch } from './types.js';
import { learningRatePanel } from './learning-rate-panel.js';

export interface LearningCurveOptions {
  /** the best epoch by the monitored metric; marked in every panel */
  bestEpoch?: number;
  /** the epoch whose weights the model keeps (and was evaluated with); marked too when it is not the best */
  evaluatedEpoch?: number;
  title?: string;
  subtitle?: string;
  /** panels per row (default: up to 3) */
  columns?: number;
  /** size of one panel in px */
  panelWidth?: number;
  panelHeight?: number;
}

const SPLITS = [
  { prefix: 'train_', name: 'Train', color: '#0072B2', shape: 'circle' },
  { prefix: 'val_', name: 'Validation', color: '#D55E00', shape: 'square' },
] as const;

export interface MetricFamily {
  /** `loss`, `accuracy`, `macro_f1`, ... */
  name: string;
  points: { epoch: number; split: string; value: number | null }[];
}

/** Groups `train_x` / `val_x` keys into families: loss first, accuracy second, the rest in order seen. */
export function metricFamilies(history: readonly ReportEpoch[]): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  for (const { epoch, metrics } of history) {
    for (const [key, value] of Object.entries(metrics)) {
      const split = SPLITS.find((s) => key.startsWith(s.prefix));
      if (!split) continue;
      const name = key.slice(split.prefix.length);
      if (!name) continue;
      let family = families.get(name);
      if (!family) families.set(name, (family = { name, points: [] }));
      family.points.push({ epoch, split: split.name, value: Number.isFinite(value) ? value : null });
    }
  }
  const rank = (n: string): number => (n === 'loss' ? 0 : n === 'accuracy' ? 1 : 2);
  return [...families.values()].filter((f) => f.points.some((p) => p.value !== null)).sort((a, b) => rank(a.name) - rank(b.name));
}

export function learningCurvesSpec(history: readonly ReportEpoch[], options: LearningCurveOptions = {}): TopLevelSpec | undefined {
  const families = metricFamilies(history);
  if (!families.length) return undefined;
  const epochs = history.map((h) => h.epoch);
  const first = Math.min(...epochs);
  const last = Math.max(...epochs);
  const domain = first === last ? [first - 1, last + 1] : [first, last];
  const width = options.panelWidth ?? 250;
  const height = options.panelHeight ?? 190;
  const inRange = (e: number | undefined): number | undefined => (e !== undefined && e >= first && e <= last ? e : undefined);
  const best = inRange(options.bestEpoch);
  const evaluated = inRange(options.evaluatedEpoch);
  const marks: { epoch: number; text: string; dash: number[] }[] = [];
  if (best !== undefined) marks.push({ epoch: best, text: `best${evaluated === best ? ', evaluated' : ''}: epoch ${best}`, dash: [5, 4] });
  if (evaluated !== undefined && evaluated !== best) marks.push({ epoch: evaluated, text: `evaluated: epoch ${evaluated}`, dash: [2, 3] });
  const splitsPresent = SPLITS.filter((s) => families.some((f) => f.points.some((p) => p.split === s.name)));
  const splitScale = { domain: splitsPresent.map((s) => s.name), range: splitsPresent.map((s) => s.color) };
  const shapeScale = { domain: splitsPresent.map((s) => s.name), range: splitsPresent.map((s) => s.shape) };
  const span = last - first;

  const x = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'Epoch',
    scale: { domain, nice: false, zero: false, padding: 10 },
    axis: { format: 'd', values: integerTicks(first, last), grid: false },
  };

  const panels = families.map((family) => {
    const label = metricLabel(family.name);
    const unit = isUnitInterval(family.name);
    const scale = valueScale(
      family.name,
      family.points.map((p) => p.value),
    );
    const y = {
      field: 'value',
      type: 'quantitative' as const,
      title: scale.type === 'log' ? `${label} (log scale)` : label,
      scale,
      axis: { tickCount: 6 },
    };
    const layers: unknown[] = [
      {
        mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
        encoding: {
          x,
          y,
          color: { field: 'split', type: 'nominal', title: null, scale: splitScale },
        },
      },
      {
        mark: { type: 'point', filled: true, size: history.length > 40 ? 0 : 36, opacity: 1 },
        encoding: {
          x,
          y,
          color: { field: 'split', type: 'nominal', title: null, scale: splitScale },
          shape: { field: 'split', type: 'nominal', title: null, scale: shapeScale },
          tooltip: [
            { field: 'epoch', type: 'quantitative', title: 'epoch' },
            { field: 'split', type: 'nominal', title: 'split' },
            { field: 'value', type: 'quantitative', title: label, format: '.4~f' },
          ],
        },
      },
    ];
    // labels away from where the curves usually are: top for losses (they fall), bottom for scores (they rise);
    // a second mark's label (the evaluated epoch) one line further in
    const atTop = lowerIsBetter(family.name) || !unit;
    marks.forEach((m, i) => {
      const inset = 4 + i * 13;
      const alignRight = m.epoch > first + span * 0.6;
      layers.push(
        {
          data: { values: [{ epoch: m.epoch }] },
          mark: { type: 'rule', color: '#555', strokeDash: m.dash, strokeWidth: 1.2 },
          encoding: { x: { field: 'epoch', type: 'quantitative' } },
        },
        {
          data: { values: [{ epoch: m.epoch, text: m.text }] },
          mark: {
            type: 'text',
            align: alignRight ? 'right' : 'left',
            baseline: atTop ? 'top' : 'bottom',
            dx: alignRight ? -4 : 4,
            dy: atTop ? inset : -inset,
            fontSize: 10,
            color: '#444',
          },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' },
            y: { value: atTop ? 0 : height },
            text: { field: 'text' },
          },
        },
      );
    });
    return { width, height, data: { values: family.points }, layer: layers };
  });

  const lrPanel = learningRatePanel(history, x, width, height);
  const all: unknown[] = lrPanel ? [...panels, lrPanel] : panels;
  const columns = options.columns ?? Math.min(3, all.length);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title
      ? { title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' } }
      : {}),
    columns,
    concat: all,
    spacing: { row: 28, column: 36 },
    resolve: { scale: { y: 'independent', x: 'shared', color: 'shared', shape: 'shared' } },
    padding: 12,
    config: { ...plotConfig(), legend: { ...legendConfig(), orient: 'bottom', direction: 'horizontal' } },
  };
  return spec as TopLevelSpec;
}

/** axis, legend and title styling shared by every plot */
export function plotConfig(): Record<string, unknown> {
  return {
    // no per-mark ARIA descriptions: they double the SVG's size; the report labels each plot as a whole
    aria: false,
    background: 'white',
    view: { stroke: null },
    axis: {
      labelFontSize: 11,
      titleFontSize: 12,
      titleFontWeight: 'normal',
      labelColor: '#222',
      titleColor: '#111',
      tickColor: '#444',
      domainColor: '#444',
      gridColor: '#e6e6e6',
      titlePadding: 8,
    },
    legend: legendConfig(),
    title: { fontSize: 15, fontWeight: 'bold', subtitleFontSize: 12, subtitleColor: '#444', offset: 10 },
  };
}

function legendConfig(): Record<string, unknown> {
  return { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', symbolSize: 90, symbolStrokeWidth: 2 };
}

/** integer ticks (epochs, trials): every 1, 2, 5, 10, 20, 25, 50, ... epochs, at most about 10 of them */
export function integerTicks(first: number, last: number): number[] {
  const span = Math.max(1, last - first);
  const steps = [1, 2, 5, 10, 20, 25, 50];
  let step = steps.find((s) => span / s <= 10);
  if (step === undefined) {
    step = 100;
    while (span / step > 10) step *= span / step > 25 ? 5 : 2;
  }
  const ticks: number[] = [];
  for (let v = Math.ceil(first / step) * step; v <= last; v += step) ticks.push(v);
  // the first epoch too, when it is not crowded by the first multiple
  if (step >= 5 && (ticks[0] === undefined || ticks[0] - first >= step * 0.6) && first >= 0) ticks.unshift(first);
  if (!ticks.length) ticks.push(first);
  return ticks;
}
