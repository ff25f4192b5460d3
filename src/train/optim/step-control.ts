/**
 * What the trainer does around each batch and epoch for the optimiser: the learning-rate schedule (set before each
 * update), gradient accumulation (which batch closes a group), and reduce_on_plateau (after each epoch). Its state
 * — updates made, the plateau's counters — is plain numbers, saved in checkpoints; the schedule's rate is a
 * function of the update count (../schedule/lr-schedule.ts), so nothing else needs saving.
 */
import * as tf from '../../tf.js';
import { SlotOptimizer } from '../../model/optimizers/slot-optimizer.js';
import type { UpdateAttrs } from '../../ops/fused-update.js';
import { learningRateAt, scheduleProblem, type ScheduleClock } from '../schedule/lr-schedule.js';
import { Plateau, type PlateauState } from '../schedule/plateau.js';
import type { LrScheduleConfig } from '../schedule/schema.js';
import { GradientAccumulator } from './accumulate.js';

export interface StepControlOptions {
  /** the optimiser the model was compiled with (a GradientAccumulator when accumulate > 1) */
  optimizer?: tf.Optimizer;
  /** training.optimizer.learning_rate */
  baseRate: number;
  schedule?: LrScheduleConfig;
  /** training.accumulate_batches */
  accumulate: number;
  /** batches per epoch and epochs planned */
  batchesPerEpoch: number;
  epochs: number;
  /** whether lower is better for a metric (reduce_on_plateau's mode auto) */
  lowerIsBetter: (metric: string) => boolean;
}

export interface StepControlState {
  /** optimiser updates made */
  updates: number;
  plateau?: PlateauState;
}

export class StepControl {
  readonly clock: ScheduleClock;
  private updates = 0;
  private inGroup = 0;
  private applying = false;
  private rate: number | undefined;
  private readonly plateau: Plateau | undefined;
  private readonly slot: SlotOptimizer<UpdateAttrs> | undefined;
  private readonly accumulator: GradientAccumulator | undefined;

  constructor(private readonly o: StepControlOptions) {
    const updatesPerEpoch = Math.ceil(o.batchesPerEpoch / o.accumulate);
    this.clock = { updatesPerEpoch, totalUpdates: updatesPerEpoch * o.epochs };
    this.accumulator = o.optimizer instanceof GradientAccumulator ? o.optimizer : undefined;
    const inner = this.accumulator?.inner ?? o.optimizer;
    this.slot = inner instanceof SlotOptimizer ? inner : undefined;
    if (o.accumulate > 1 && !this.accumulator)
      throw new Error('accumulate_batches > 1 needs the model compiled with a GradientAccumulator (trainingOptimizer)');
    const s = o.schedule;
    if (s && s.type !== 'constant' && !this.slot)
      throw new Error('a learning-rate schedule needs one of mmx’s optimisers (createOptimizer)');
    if (s) {
      const problem = scheduleProblem(s, this.clock);
      if (problem) throw new ScheduleError(problem);
    }
    if (s?.type === 'reduce_on_plateau') {
      const mode = s.mode === 'auto' ? (o.lowerIsBetter(s.monitor) ? 'min' : 'max') : s.mode;
      this.plateau = new Plateau({ mode, factor: s.factor, patience: s.patience, threshold: s.threshold, cooldown: s.cooldown });
    }
  }

  /** The rate of update `t` (without a schedule: the base rate). */
  rateAt(t: number): number {
    const s = this.o.schedule;
    return s ? learningRateAt(s, this.o.baseRate, this.clock, t, this.plateau?.state.factor ?? 1) : this.o.baseRate;
  }

  /** Before a batch of `examples`; `lastOfEpoch`: the epoch's last batch (it closes the group). */
  beforeBatch(examples: number, lastOfEpoch: boolean): void {
    this.inGroup += 1;
    this.applying = this.inGroup >= this.o.accumulate || lastOfEpoch;
    this.accumulator?.expect(examples, this.applying);
    if (this.applying && this.slot && this.o.schedule) {
      this.rate = this.rateAt(this.updates);
      this.slot.setLearningRate(this.rate);
    }
  }

  /** After the batch's step. */
  afterBatch(): void {
    if (!this.applying) return;
    this.rate ??= this.slot?.learningRate ?? this.o.baseRate;
    this.updates += 1;
    this.inGroup = 0;
    this.applying = false;
  }

  /**
   * After an epoch's validation: reduce_on_plateau watches its metric. Returns the learning rate of the epoch's
   * last update (the `learning_rate` metric).
   */
  endEpoch(metrics: Readonly<Record<string, number>>): number {
    const used = this.rate ?? this.slot?.learningRate ?? this.o.baseRate;
    const s = this.o.schedule;
    if (this.plateau && s?.type === 'reduce_on_plateau') {
      const floor = this.rateAt(this.updates) <= s.min_lr;
      this.plateau.step(metrics[s.monitor], floor);
    }
    return used;
  }

  /** reduce_on_plateau's reductions so far (0 for other schedules). */
  get reductions(): number {
    return this.plateau?.state.reductions ?? 0;
  }

  state(): StepControlState {
    return { updates: this.updates, ...(this.plateau ? { plateau: { ...this.plateau.state } } : {}) };
  }

  restore(state: StepControlState): void {
    this.updates = state.updates;
    this.inGroup = 0;
    if (this.plateau && state.plateau) this.plateau.state = { ...state.plateau };
    this.rate = undefined;
  }
}

/** A schedule that cannot run with this data and batch size (known only once the training split's size is). */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}
