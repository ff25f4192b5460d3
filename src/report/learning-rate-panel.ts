/**
 * The learning-curve plot's learning-rate panel: the `learning_rate` metric (the rate of each epoch's last
 * optimiser update) over the epochs, one series, on a log axis when it spans LOG_SCALE_RATIO or more (a decay
 * over decades), else from 0.
 */
import { LOG_SCALE_RATIO } from './axes.js';
import type { ReportEpoch } from './types.js';

export const LEARNING_RATE = 'learning_rate';
const COLOR = '#009E73';

/** The panel (a Vega-Lite layer spec), or undefined when the history has no learning rate. `x`: the epoch encoding. */
export function learningRatePanel(history: readonly ReportEpoch[], x: Record<string, unknown>, width: number, height: number): unknown {
  const points = history.flatMap(({ epoch, metrics }) => {
    const value = metrics[LEARNING_RATE];
    return value !== undefined && Number.isFinite(value) ? [{ epoch, value }] : [];
  });
  if (!points.length) return undefined;
  const values = points.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const log = min > 0 && max / min >= LOG_SCALE_RATIO;
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    title: log ? 'Learning rate (log scale)' : 'Learning rate',
    scale: log ? { type: 'log', nice: true } : { zero: true, nice: true },
    axis: { tickCount: 6, format: '.1~e' },
  };
  return {
    width,
    height,
    data: { values: points },
    layer: [
      { mark: { type: 'line', strokeWidth: 2, color: COLOR, interpolate: 'step-after' }, encoding: { x, y } },
      {
        mark: { type: 'point', filled: true, size: history.length > 40 ? 0 : 30, color: COLOR, opacity: 1 },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'epoch', type: 'quantitative', title: 'epoch' },
            { field: 'value', type: 'quantitative', title: 'learning rate', format: '.3~e' },
          ],
        },
      },
    ],
  };
}
