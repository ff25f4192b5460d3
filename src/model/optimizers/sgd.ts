/**
 * SGD as PyTorch's torch.optim.SGD (dampening 0): optional momentum, Nesterov momentum, L2 weight decay
 * (src/ops/sgd-update.ts: MmxSgdUpdate without momentum — no state — and MmxSgdMomentumUpdate with it).
 */
import { sgdMomentumUpdate, sgdUpdate, type SgdMomentumUpdateAttrs } from '../../ops/sgd-update.js';
import * as tf from '../../tf.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';
import { checkWeightDecay, type WeightDecayOptions } from './weight-decay.js';

export interface SgdOptions extends SlotOptimizerOptions, WeightDecayOptions {
  /** μ (default 0: plain SGD, no state) */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0) */
  nesterov?: boolean;
}

/** One class for both updates: without momentum the attributes `momentum` and `nesterov` are not sent. */
export class MmxSgd extends SlotOptimizer<SgdMomentumUpdateAttrs> {
  static get className(): string {
    return 'MmxSgd';
  }

  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly decays: (variable: string) => boolean;

  constructor(o: SgdOptions) {
    const momentum = o.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${momentum}`);
    if (o.nesterov && momentum === 0) throw new RangeError('Nesterov momentum needs momentum > 0');
    // without momentum the update reads negLearningRate and l2 only (MmxSgdUpdate's attributes)
    super(momentum > 0 ? sgdMomentumUpdate : sgdUpdate, o);
    this.momentum = momentum;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = checkWeightDecay(o.weightDecay);
    this.decays = o.decays ?? (() => true);
  }

  protected stepAttrs(): SgdMomentumUpdateAttrs {
    const f = Math.fround;
    return { negLearningRate: f(-this.learningRate), l2: f(this.weightDecay), momentum: f(this.momentum), nesterov: this.nesterov ? 1 : 0 };
  }

  protected override variableAttrs(variable: tf.Variable, step: SgdMomentumUpdateAttrs): SgdMomentumUpdateAttrs {
    return this.decays(variable.name) ? step : { ...step, l2: 0 };
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }
}
