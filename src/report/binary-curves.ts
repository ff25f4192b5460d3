/**
 * A binary classifier's ROC and precision–recall curves as one Vega-Lite spec: two square panels with both axes
 * on [0, 1], the curve, what a random classifier would score (the diagonal; the positives' share), the model's
 * operating point at its decision threshold, and the area (ROC AUC, average precision) in each panel's title.
 */
import type { TopLevelSpec } from 'vega-lite';
import { plotConfig } from './learning-curves.js';
import { formatMetric } from './labels.js';
import type { ReportCurves } from './types.js';

export interface BinaryCurvesOptions {
  title?: string;
  subtitle?: string;
  /** the operating point: the metrics at the model's decision threshold */
  operating?: { threshold: number; fpr: number; recall: number; precision: number };
  /** size of one panel in px */
  size?: number;
}

const CURVE = '#0072B2';
const CHANCE = '#999';
const POINT = '#D55E00';

function panel(
  title: string,
  xTitle: string,
  yTitle: string,
  points: readonly { x: number; y: number }[],
  chance: { x: number; y: number }[],
  operating: { x: number; y: number; label: string } | undefined,
  size: number,
) {
  const axis = (t: string) => ({
    field: 'x',
    type: 'quantitative',
    title: t,
    scale: { domain: [0, 1], nice: false },
    axis: { tickCount: 5 },
  });
  const yAxis = (t: string) => ({
    field: 'y',
    type: 'quantitative',
    title: t,
    scale: { domain: [0, 1], nice: false },
    axis: { tickCount: 5 },
  });
  const layers: unknown[] = [
    {
      data: { values: chance },
      mark: { type: 'line', color: CHANCE, strokeDash: [4, 4], strokeWidth: 1.2 },
      encoding: { x: axis(xTitle), y: yAxis(yTitle) },
    },
    {
      data: { values: points },
      mark: { type: 'line', color: CURVE, strokeWidth: 2, interpolate: 'linear' },
      encoding: { x: axis(xTitle), y: yAxis(yTitle) },
    },
  ];
  if (operating) {
    layers.push(
      {
        data: { values: [operating] },
        mark: { type: 'point', filled: true, size: 70, color: POINT, shape: 'diamond' },
        encoding: { x: axis(xTitle), y: yAxis(yTitle) },
      },
      {
        data: { values: [operating] },
        // the label inside the panel: left of the point when it sits in the right part
        mark: {
          type: 'text',
          align: operating.x > 0.6 ? 'right' : 'left',
          baseline: 'top',
          dx: operating.x > 0.6 ? -8 : 8,
          dy: 4,
          fontSize: 10,
          color: '#444',
        },
        encoding: { x: axis(xTitle), y: yAxis(yTitle), text: { field: 'label' } },
      },
    );
  }
  return { title: { text: title, fontSize: 13 }, width: size, height: size, layer: layers };
}

export function binaryCurvesSpec(curves: ReportCurves, options: BinaryCurvesOptions = {}): TopLevelSpec {
  const size = options.size ?? 240;
  const op = options.operating;
  const at = op ? `threshold ${formatMetric(op.threshold)}` : '';
  const roc = panel(
    `ROC curve (AUC ${formatMetric(curves.rocAuc)})`,
    'False positive rate',
    'True positive rate (recall)',
    curves.roc,
    [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
    op ? { x: op.fpr, y: op.recall, label: at } : undefined,
    size,
  );
  const pr = panel(
    `Precision–recall (AP ${formatMetric(curves.averagePrecision)})`,
    'Recall',
    'Precision',
    curves.pr,
    [
      { x: 0, y: curves.prevalence },
      { x: 1, y: curves.prevalence },
    ],
    op ? { x: op.recall, y: op.precision, label: at } : undefined,
    size,
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title
      ? { title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' } }
      : {}),
    hconcat: [roc, pr],
    spacing: 48,
    padding: 12,
    config: plotConfig(),
  };
  return spec as TopLevelSpec;
}
