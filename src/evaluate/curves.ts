/**
 * A binary classifier's ROC and precision–recall curves from its scores, with ROC AUC (trapezoids over the ROC
 * points, equal to the Mann–Whitney statistic of `rocAuc`) and average precision (AP = Σ (Rₙ − Rₙ₋₁) Pₙ over the
 * distinct thresholds, scikit-learn's `average_precision_score`: no interpolation). The curves are thinned to at
 * most `maxPoints` for plotting; AUC and AP are computed from every threshold.
 */
import type { BinaryCurves, CurvePoint } from '../core/run-events.js';

/** One point per distinct score, highest threshold first: true/false positives when predicting positive at ≥ it. */
function cumulativeCounts(truth: ArrayLike<number>, scores: ArrayLike<number>): { threshold: number; tp: number; fp: number }[] {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const out: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (truth[i]! > 0.5) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) out.push({ threshold: scores[i]!, tp, fp });
  }
  return out;
}

/** Keeps the first and last points and about `max` evenly spread along the curve's length. */
function thin(points: CurvePoint[], max: number): CurvePoint[] {
  if (points.length <= max) return points;
  const length = (a: CurvePoint, b: CurvePoint): number => Math.hypot(a.x - b.x, a.y - b.y);
  let total = 0;
  for (let i = 1; i < points.length; i++) total += length(points[i - 1]!, points[i]!);
  const step = total / (max - 1);
  const out = [points[0]!];
  let since = 0;
  for (let i = 1; i < points.length - 1; i++) {
    since += length(points[i - 1]!, points[i]!);
    if (since >= step) {
      out.push(points[i]!);
      since = 0;
    }
  }
  out.push(points.at(-1)!);
  return out;
}

/** ROC (x: false-positive rate, y: true-positive rate) and PR (x: recall, y: precision); undefined without both classes. */
export function binaryCurves(truth: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 200): BinaryCurves | undefined {
  let positives = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]! > 0.5) positives++;
  const negatives = truth.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  const counts = cumulativeCounts(truth, scores);
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  let auc = 0;
  let ap = 0;
  let prevFpr = 0;
  let prevTpr = 0;
  for (const c of counts) {
    const fpr = c.fp / negatives;
    const tpr = c.tp / positives;
    auc += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
    const precision = c.tp / (c.tp + c.fp);
    ap += (tpr - prevTpr) * precision;
    roc.push({ x: fpr, y: tpr, threshold: c.threshold });
    pr.push({ x: tpr, y: precision, threshold: c.threshold });
    prevFpr = fpr;
    prevTpr = tpr;
  }
  // the PR curve starts at recall 0 with the precision of the highest threshold (scikit-learn's convention)
  pr.unshift({ x: 0, y: pr[0]!.y });
  return {
    roc: thin(roc, maxPoints),
    pr: thin(pr, maxPoints),
    rocAuc: auc,
    averagePrecision: ap,
    prevalence: positives / truth.length,
  };
}
