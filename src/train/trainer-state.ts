/**
 * What the trainer is, between two epochs, beyond the weights and the optimiser's slots: the epochs done and their
 * metrics, early stopping's counters, the learning-rate schedule's (./optim/step-control.ts), and every random
 * state (the shuffle and augmentation generators, the shuffled order, the dropout layers' call counts). A checkpoint
 * keeps it (plain JSON); a run resumed from it trains on exactly as the uninterrupted run would have.
 */
import * as tf from '../tf.js';
import type { Metrics } from '../core/run-events.js';
import type { StepControlState } from './optim/step-control.js';

export interface EpochRecord {
  epoch: number;
  metrics: Metrics;
  samplesPerSec: number;
  seconds: number;
}

export interface TrainerState {
  /** the last epoch completed */
  epoch: number;
  history: EpochRecord[];
  /** the monitored metric's best value and epoch so far */
  best?: number;
  bestEpoch?: number;
  /** epochs since the best */
  sinceBest: number;
  /** early stopping decided to stop after `epoch` */
  stoppedEarly: boolean;
  control: StepControlState;
  random: {
    /** the shuffling generator's state */
    shuffle: number;
    /** the augmentation generator's state */
    augment: number;
    /** the dropout layers' training calls (src/model/layers/random-state.ts) */
    layers: number[];
  };
  /** in-memory training data: the example order after the last epoch's shuffle (each epoch reshuffles it) */
  order?: number[];
}

export interface TrainHooks {
  /** continue from this state (the model and optimiser already hold the checkpoint's weights and slots) */
  resume?: {
    state: TrainerState;
    /** early_stopping.restore_best: the best epoch's weights (model.getWeights() order); the trainer owns them */
    bestWeights?: tf.Tensor[];
  };
  /**
   * After each epoch (validation done, early stopping decided), before the next begins: the trainer waits for it.
   * Copy what must be kept (weights, optimiser slots) before returning: training goes on changing them.
   */
  onEpochEnd?: (e: { state: TrainerState; isBest: boolean }) => Promise<void>;
}
