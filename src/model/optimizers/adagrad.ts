/**
 * Adagrad as PyTorch's torch.optim.Adagrad (initial accumulator 0, no lr_decay: a schedule does that), with L2
 * weight decay (src/ops/adagrad-update.ts: MmxAdagradUpdate).
 */
import { adagradUpdate, type AdagradUpdateAttrs } from '../../ops/adagrad-update.js';
import * as tf from '../../tf.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';
import { checkWeightDecay, type WeightDecayOptions } from './weight-decay.js';

export interface AdagradOptions extends SlotOptimizerOptions, WeightDecayOptions {
  /** default 1e-10 */
  epsilon?: number;
}

export class MmxAdagrad extends SlotOptimizer<AdagradUpdateAttrs> {
  static get className(): string {
    return 'MmxAdagrad';
  }

  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly decays: (variable: string) => boolean;

  constructor(o: AdagradOptions) {
    super(adagradUpdate, o);
    this.epsilon = o.epsilon ?? 1e-10;
    this.weightDecay = checkWeightDecay(o.weightDecay);
    this.decays = o.decays ?? (() => true);
  }

  protected stepAttrs(): AdagradUpdateAttrs {
    const f = Math.fround;
    return { epsilon: f(this.epsilon), negLearningRate: f(-this.learningRate), l2: f(this.weightDecay) };
  }

  protected override variableAttrs(variable: tf.Variable, step: AdagradUpdateAttrs): AdagradUpdateAttrs {
    return this.decays(variable.name) ? step : { ...step, l2: 0 };
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }
}
