/**
 * Y-axis scales a practitioner accepts for a metric, shared by the learning curves and the sweep plots:
 * - a loss or error (lower is better): from 0 on a linear axis, so a fall from 0.40 to 0.35 is not drawn as a
 *   collapse; on a log axis when its values span LOG_SCALE_RATIO or more (about one and a half decades), where
 *   a zero-based axis would flatten every late epoch onto the floor;
 * - a bounded score (accuracy, F1, precision, recall, AUC): up to 1, its ceiling;
 * - anything else: fitted to the values.
 */
import { isUnitInterval, lowerIsBetter } from './labels.js';

/** max/min at or above which a positive loss goes on a log axis */
export const LOG_SCALE_RATIO = 30;

export interface ValueScale {
  type?: 'log';
  zero?: boolean;
  nice?: boolean;
  domainMax?: number;
  padding?: number;
}

export function valueScale(metric: string, values: readonly (number | null | undefined)[]): ValueScale {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (lowerIsBetter(metric)) {
    const min = Math.min(...finite);
    const max = Math.max(...finite);
    if (finite.length > 0 && min > 0 && max / min >= LOG_SCALE_RATIO) return { type: 'log', nice: true };
    return { zero: true, nice: true };
  }
  if (isUnitInterval(metric)) return { zero: false, nice: true, domainMax: 1 };
  return { zero: false, nice: true, padding: 6 };
}
