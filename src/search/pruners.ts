/**
 * Early termination. Trials report their metric after every epoch; a pruner answers "go on" or "stop".
 *
 * ASHA — asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), as Optuna's `SuccessiveHalvingPruner` does it: rungs at epochs
 * `min_epochs * reduction_factor^k`; when a trial reaches a rung its value there is recorded, and it goes on
 * only if that value is among the top `1/reduction_factor` of all values recorded at the rung so far
 * (itself included; while fewer than `reduction_factor` values exist, only the best one goes on). mmx's
 * `grace` is the number of values a rung must hold before it stops anyone (default 0: Optuna's behaviour,
 * except that Optuna *prunes* while waiting for its `bootstrap_count` and mmx lets the trial go on).
 *
 * Median — the median stopping rule (Golovin et al., "Google Vizier", KDD 2017), as Optuna's `MedianPruner`:
 * from epoch `min_epochs` on, a trial stops when its best value so far is worse than the median of the
 * values other *finished* trials reported at the same epoch, once at least `grace` (default 5, Optuna's
 * `n_startup_trials`) of them have.
 *
 * Values are oriented so that lower is better before they reach a pruner.
 */
import type { EarlyTerminateConfig } from './schema.js';

export interface PruneDecision {
  prune: boolean;
  reason?: string;
}

export interface Pruner {
  /** a trial's (oriented) metric after `epoch` (1-based); called in epoch order per trial */
  report(trial: number, epoch: number, loss: number): PruneDecision;
  /** the trial is over (finished, pruned, failed): its history becomes a reference for others */
  complete(trial: number, finished: boolean): void;
}

/** Rung epochs that fit in `maxEpochs`: min, min·η, min·η², ... */
export function ashaRungs(minEpochs: number, reductionFactor: number, maxEpochs: number): number[] {
  const out: number[] = [];
  // a rung at the last epoch would stop a trial that has nothing left to run
  for (let r = minEpochs; r < maxEpochs; r *= reductionFactor) out.push(r);
  return out;
}

/** Optuna's promotion test: is `value` among the top 1/η of `competing` (which includes it)? */
export function promotable(value: number, competing: readonly number[], reductionFactor: number): boolean {
  let idx = Math.floor(competing.length / reductionFactor) - 1;
  if (idx < 0) idx = 0;
  const sorted = [...competing].sort((a, b) => a - b);
  return value <= sorted[idx]!;
}

export class AshaPruner implements Pruner {
  /** rung epoch → values recorded there */
  readonly rungs = new Map<number, number[]>();
  private readonly rungEpochs: Set<number>;

  constructor(
    readonly minEpochs: number,
    readonly reductionFactor: number,
    readonly grace: number,
    maxEpochs: number,
  ) {
    this.rungEpochs = new Set(ashaRungs(minEpochs, reductionFactor, maxEpochs));
  }

  /** Seeds the rungs from trials of an earlier session (resume): their values at each rung epoch. */
  seed(history: readonly number[]): void {
    for (const r of this.rungEpochs) {
      const v = history[r - 1];
      if (v !== undefined && Number.isFinite(v)) this.record(r, v);
    }
  }

  private record(rung: number, v: number): number[] {
    const list = this.rungs.get(rung) ?? [];
    list.push(v);
    this.rungs.set(rung, list);
    return list;
  }

  report(_trial: number, epoch: number, loss: number): PruneDecision {
    if (!this.rungEpochs.has(epoch)) return { prune: false };
    if (Number.isNaN(loss)) return { prune: true, reason: `asha: metric is NaN at rung ${epoch}` };
    const competing = this.record(epoch, loss);
    if (competing.length <= this.grace) return { prune: false };
    if (promotable(loss, competing, this.reductionFactor)) return { prune: false };
    const keep = Math.max(1, Math.floor(competing.length / this.reductionFactor));
    return { prune: true, reason: `asha: not in the top ${keep} of ${competing.length} at rung epoch ${epoch}` };
  }

  complete(): void {}
}

export class MedianPruner implements Pruner {
  private readonly running = new Map<number, number[]>();
  /** per finished trial: its values by epoch */
  private readonly finished: number[][] = [];

  constructor(
    readonly minEpochs: number,
    readonly grace: number,
  ) {}

  seed(history: readonly number[]): void {
    this.finished.push([...history]);
  }

  report(trial: number, epoch: number, loss: number): PruneDecision {
    const h = this.running.get(trial) ?? [];
    h[epoch - 1] = loss;
    this.running.set(trial, h);
    if (epoch < this.minEpochs) return { prune: false };
    const others = this.finished.map((f) => f[epoch - 1]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (others.length < Math.max(1, this.grace)) return { prune: false };
    const sorted = [...others].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
    const bestSoFar = Math.min(...h.filter((v) => v !== undefined && !Number.isNaN(v)));
    if (Number.isNaN(loss) && !Number.isFinite(bestSoFar)) return { prune: true, reason: `median: metric is NaN at epoch ${epoch}` };
    if (bestSoFar > median)
      return { prune: true, reason: `median: best so far worse than the median of ${others.length} finished trials at epoch ${epoch}` };
    return { prune: false };
  }

  complete(trial: number, finished: boolean): void {
    const h = this.running.get(trial);
    this.running.delete(trial);
    if (h && finished) this.finished.push(h);
  }
}

export function createPruner(
  cfg: EarlyTerminateConfig | undefined,
  maxEpochs: number,
): (Pruner & { seed(history: readonly number[]): void }) | undefined {
  if (!cfg) return undefined;
  if (cfg.type === 'asha') return new AshaPruner(cfg.min_epochs, cfg.reduction_factor, cfg.grace ?? 0, maxEpochs);
  return new MedianPruner(cfg.min_epochs, cfg.grace ?? 5);
}
