/**
 * RMSprop as PyTorch's torch.optim.RMSprop (not centred; ε outside the square root), with optional momentum and
 * L2 weight decay (src/ops/rmsprop-update.ts: MmxRmspropUpdate, MmxRmspropMomentumUpdate with momentum).
 */
import { rmspropMomentumUpdate, rmspropUpdate, type RmspropMomentumUpdateAttrs } from '../../ops/rmsprop-update.js';
import * as tf from '../../tf.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';
import { checkWeightDecay, type WeightDecayOptions } from './weight-decay.js';

export interface RmspropOptions extends SlotOptimizerOptions, WeightDecayOptions {
  /** the squared-gradient average's decay ρ (PyTorch's alpha; default 0.99) */
  rho?: number;
  /** default 1e-8 */
  epsilon?: number;
  /** μ (default 0: no momentum buffer) */
  momentum?: number;
}

export class MmxRmsprop extends SlotOptimizer<RmspropMomentumUpdateAttrs> {
  static get className(): string {
    return 'MmxRmsprop';
  }

  readonly rho: number;
  readonly epsilon: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly decays: (variable: string) => boolean;

  constructor(o: RmspropOptions) {
    const momentum = o.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${momentum}`);
    super(momentum > 0 ? rmspropMomentumUpdate : rmspropUpdate, o);
    this.rho = o.rho ?? 0.99;
    this.epsilon = o.epsilon ?? 1e-8;
    this.momentum = momentum;
    this.weightDecay = checkWeightDecay(o.weightDecay);
    this.decays = o.decays ?? (() => true);
  }

  protected stepAttrs(): RmspropMomentumUpdateAttrs {
    const f = Math.fround;
    return {
      rho: f(this.rho),
      oneMinusRho: f(1 - this.rho),
      epsilon: f(this.epsilon),
      negLearningRate: f(-this.learningRate),
      l2: f(this.weightDecay),
      momentum: f(this.momentum),
    };
  }

  protected override variableAttrs(variable: tf.Variable, step: RmspropMomentumUpdateAttrs): RmspropMomentumUpdateAttrs {
    return this.decays(variable.name) ? step : { ...step, l2: 0 };
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      rho: this.rho,
      epsilon: this.epsilon,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
    };
  }
}
