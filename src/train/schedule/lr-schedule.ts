/**
 * The learning rate of each optimiser update under `training.lr_schedule` (./schema.ts), as a pure function of
 * the update's index: no state but reduce_on_plateau's factor (./plateau.ts), so a resumed run recomputes the rate
 * from its update count.
 *
 * Clock: `t` counts optimiser updates from 0 (with accumulate_batches: k, one update per k batches); an epoch has
 * U updates and the training T = epochs × U. A warm-up of W updates comes first: update t < W runs at
 * rate₀ · (start_factor + (1 − start_factor) · t / W), where rate₀ is the schedule's first rate (Hugging Face's
 * get_*_schedule_with_warmup with start_factor 0). The schedule then runs on its own clock t' = t − W over
 * T' = T − W updates (its epochs are U updates of that clock):
 *   constant      base
 *   step          base · γ^⌊e'/step_size⌋, e' = ⌊t'/U⌋
 *   exponential   base · γ^e'
 *   cosine        min + (base − min) · (1 + cos(π · t'/T')) / 2; with restart_epochs R: cycles of R·U updates,
 *                 each restart_mult times the last, the cosine restarting at every cycle (SGDR)
 *   linear        min + (base − min) · (1 − t'/T')
 *   one_cycle     PyTorch's OneCycleLR (two phases): from base/div_factor up to base by update pct_start·T' − 1,
 *                 then down to base/div_factor/final_div_factor at update T' − 1 (cos or linear)
 *   reduce_on_plateau  base · the factor reached so far, never below min_lr
 */
import type { LrScheduleConfig, WarmupConfig } from './schema.js';

export interface ScheduleClock {
  /** optimiser updates per epoch (U) */
  updatesPerEpoch: number;
  /** optimiser updates of the whole training (T) */
  totalUpdates: number;
}

/** W: the warm-up's length in updates (0 without one). */
export function warmupUpdates(warmup: WarmupConfig | undefined, clock: ScheduleClock): number {
  if (!warmup) return 0;
  return warmup.steps ?? Math.max(1, Math.round((warmup.epochs ?? 0) * clock.updatesPerEpoch));
}

/** Why the schedule cannot run on this clock (a warm-up as long as the training), or undefined. */
export function scheduleProblem(s: LrScheduleConfig, clock: ScheduleClock): string | undefined {
  const w = warmupUpdates(s.warmup, clock);
  if (w >= clock.totalUpdates) {
    const what = s.warmup?.steps !== undefined ? `${w} updates` : `${s.warmup?.epochs} epochs (${w} updates)`;
    return `training.lr_schedule.warmup of ${what} is not shorter than the training (${clock.totalUpdates} updates: ${clock.updatesPerEpoch} per epoch)`;
  }
  return undefined;
}

const cosine = (from: number, to: number, pct: number): number => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
const linear = (from: number, to: number, pct: number): number => from + (to - from) * pct;

/** The schedule's rate at update t' of its own clock (after the warm-up), over `span` = T' updates. */
function scheduleRate(s: LrScheduleConfig, base: number, t: number, span: number, perEpoch: number, plateau: number): number {
  const epoch = Math.floor(t / perEpoch);
  switch (s.type) {
    case 'constant':
      return base;
    case 'step':
      return base * Math.pow(s.gamma, Math.floor(epoch / s.step_size));
    case 'exponential':
      return base * Math.pow(s.gamma, epoch);
    case 'cosine': {
      let cycle = span;
      let at = Math.min(t, span);
      if (s.restart_epochs !== undefined) {
        cycle = Math.max(1, Math.round(s.restart_epochs * perEpoch));
        at = t;
        while (at >= cycle) {
          at -= cycle;
          cycle *= s.restart_mult;
        }
      }
      return cosine(base, s.min_lr, at / cycle);
    }
    case 'linear':
      return linear(base, s.min_lr, Math.min(t, span) / span);
    case 'one_cycle': {
      const first = base / s.div_factor;
      const last = first / s.final_div_factor;
      const anneal = s.anneal === 'cos' ? cosine : linear;
      const peakAt = s.pct_start * span - 1;
      const endAt = span - 1;
      if (peakAt > 0 && t <= peakAt) return anneal(first, base, t / peakAt);
      const from = Math.max(0, peakAt);
      return endAt > from ? anneal(base, last, Math.min(1, (t - from) / (endAt - from))) : last;
    }
    case 'reduce_on_plateau':
      return Math.max(s.min_lr, base * plateau);
  }
}

/**
 * The learning rate of update `t` (0-based). `base`: training.optimizer.learning_rate; `plateau`: the factor
 * reduce_on_plateau has reached (1 for the other schedules).
 */
export function learningRateAt(s: LrScheduleConfig, base: number, clock: ScheduleClock, t: number, plateau = 1): number {
  const w = warmupUpdates(s.warmup, clock);
  const span = Math.max(1, clock.totalUpdates - w);
  if (t < w) {
    const start = s.warmup?.start_factor ?? 0;
    return scheduleRate(s, base, 0, span, clock.updatesPerEpoch, plateau) * (start + ((1 - start) * t) / w);
  }
  return scheduleRate(s, base, t - w, span, clock.updatesPerEpoch, plateau);
}

/** Whether the rate changes within an epoch (stepped per update) or only between epochs. */
export function changesPerUpdate(s: LrScheduleConfig): boolean {
  return s.warmup !== undefined || s.type === 'cosine' || s.type === 'linear' || s.type === 'one_cycle';
}
