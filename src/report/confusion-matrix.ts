/**
 * The confusion matrix as a Vega-Lite heatmap: true class on y, predicted class on x, the count written
 * in every cell (white on dark cells), colour by the share of the true class (row-normalised, the
 * default) or by the count. Cell and font sizes follow the number of classes so that 10 and 30
 * classes both stay readable.
 */
import type { TopLevelSpec } from 'vega-lite';
import { plotConfig } from './learning-curves.js';

export interface ConfusionMatrixOptions {
  /** colour by the share of each true class ('row', default) or by the raw count */
  color?: 'row' | 'count';
  title?: string;
  subtitle?: string;
}

interface Cell {
  true: string;
  predicted: string;
  count: number;
  rate: number;
  /** what the colour encodes: rate or count */
  shade: number;
  text: string;
  textColor: string;
}

/** Classes up to which the confusion matrix is plotted (100² cells); above, the report says why there is no plot. */
export const CONFUSION_PLOT_MAX_CLASSES = 100;

export function confusionMatrixSpec(
  labels: readonly string[],
  confusion: readonly (readonly number[])[],
  options: ConfusionMatrixOptions = {},
): TopLevelSpec | undefined {
  const n = labels.length;
  if (!n || n > CONFUSION_PLOT_MAX_CLASSES || confusion.length !== n) return undefined;
  const byRow = (options.color ?? 'row') === 'row';
  const names = uniqueNames(labels);
  let maxCount = 0;
  for (const row of confusion) for (const v of row) maxCount = Math.max(maxCount, v);
  const cellSize = n <= 6 ? 56 : n <= 10 ? 44 : n <= 16 ? 34 : Math.max(16, Math.floor(680 / n));
  const digits = String(Math.max(1, maxCount)).length;
  const fontSize = Math.max(6, Math.min(13, Math.floor(cellSize * 0.4), Math.floor((cellSize * 0.86) / (0.64 * digits))));
  const showZeros = n <= 12;
  const shadeMax = byRow ? 1 : Math.max(1, maxCount);

  const cells: Cell[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const rate = total ? count / total : 0;
      const shade = byRow ? rate : count;
      cells.push({
        true: names[i]!,
        predicted: names[j]!,
        count,
        rate,
        shade,
        text: count === 0 && !showZeros ? '' : String(count),
        textColor: count === 0 ? '#9a9a9a' : shade / shadeMax > 0.5 ? '#ffffff' : '#111111',
      });
    });
  });

  const longest = Math.max(...names.map((l) => [...l].length));
  const rotate = n > 12 || longest * 7 > cellSize;
  const labelFontSize = n > 20 ? 10 : 11;
  const side = cellSize * n;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title
      ? { title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}), anchor: 'start' } }
      : {}),
    width: side,
    height: side,
    padding: 12,
    data: { values: cells },
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        sort: names,
        scale: { domain: names },
        title: 'Predicted label',
        axis: {
          labelAngle: rotate ? -45 : 0,
          labelAlign: rotate ? 'right' : 'center',
          labelBaseline: rotate ? 'top' : 'top',
          labelLimit: 140,
          labelFontSize,
          orient: 'bottom',
          ticks: false,
          domain: false,
        },
      },
      y: {
        field: 'true',
        type: 'ordinal',
        sort: names,
        scale: { domain: names },
        title: 'True label',
        axis: { labelLimit: 140, labelFontSize, ticks: false, domain: false },
      },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: n > 20 ? 0.5 : 1 },
        encoding: {
          color: {
            field: 'shade',
            type: 'quantitative',
            title: byRow ? ['Share of', 'true class'] : 'Count',
            // ColorBrewer Blues from near-white, so that empty cells recede and the diagonal stands out
            scale: {
              domain: [0, shadeMax],
              range: ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
              interpolate: 'hcl',
              clamp: true,
            },
            legend: {
              orient: 'right',
              direction: 'vertical',
              gradientLength: Math.max(120, Math.min(side, 260)),
              gradientThickness: 14,
              format: byRow ? '.0%' : 'd',
              titleFontSize: 11,
              labelFontSize: 11,
              tickCount: 5,
            },
          },
          tooltip: [
            { field: 'true', type: 'nominal', title: 'true' },
            { field: 'predicted', type: 'nominal', title: 'predicted' },
            { field: 'count', type: 'quantitative', title: 'count' },
            { field: 'rate', type: 'quantitative', title: 'share of true class', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize, baseline: 'middle', align: 'center' },
        encoding: {
          text: { field: 'text' },
          color: { field: 'textColor', type: 'nominal', scale: null, legend: null },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { ...plotConfig(), view: { stroke: null }, axis: { ...(plotConfig().axis as object), grid: false } },
  };
  return spec as TopLevelSpec;
}

/** labels made distinct (a heatmap needs one row per class even if two display names coincide) */
function uniqueNames(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((raw) => {
    const label = raw === '' ? '(empty)' : raw;
    const k = seen.get(label) ?? 0;
    seen.set(label, k + 1);
    return k ? `${label} (${k + 1})` : label;
  });
}
