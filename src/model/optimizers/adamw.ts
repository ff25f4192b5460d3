/**
 * Adam with weight decay λ (src/ops/adamw-update.ts, kernel MmxAdamWUpdate), in both forms users compare against:
 *  - `decoupled: true`: AdamW (Loshchilov & Hutter, PyTorch's torch.optim.AdamW): p ← p·(1 − lr·λ), then the Adam
 *    step; the moments never see λ;
 *  - `decoupled: false`: PyTorch's Adam with `weight_decay`: λ·p added to the gradient (L2).
 * Variables for which `decays(name)` is false (biases, normalisation parameters by default) take a plain Adam step.
 * The Adam arithmetic, bias corrections included, is MmxAdam's (tfjs-core's order of operations).
 */
import { adamwUpdate, adamwUpdateAttrs, type AdamWUpdateAttrs } from '../../ops/adamw-update.js';
import * as tf from '../../tf.js';
import type { AdamOptions } from './adam.js';
import { BiasCorrection } from './bias-correction.js';
import { SlotOptimizer } from './slot-optimizer.js';
import { checkWeightDecay, type WeightDecayOptions } from './weight-decay.js';

export interface AdamWOptions extends AdamOptions, WeightDecayOptions {
  /** true: AdamW's decoupled decay; false: L2 (the gradient gains λ·p) */
  decoupled: boolean;
}

export class MmxAdamW extends SlotOptimizer<AdamWUpdateAttrs> {
  static get className(): string {
    return 'MmxAdamW';
  }

  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  private readonly decays: (variable: string) => boolean;
  private readonly correction: BiasCorrection;

  constructor(o: AdamWOptions) {
    super(adamwUpdate, o);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? tf.backend().epsilon();
    this.weightDecay = checkWeightDecay(o.weightDecay);
    this.decoupled = o.decoupled;
    this.decays = o.decays ?? (() => true);
    this.correction = new BiasCorrection(this.beta1, this.beta2);
  }

  protected stepAttrs(): AdamWUpdateAttrs {
    const { accBeta1, accBeta2 } = this.correction;
    return adamwUpdateAttrs({
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      accBeta1,
      accBeta2,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
    });
  }

  protected override variableAttrs(variable: tf.Variable, step: AdamWUpdateAttrs): AdamWUpdateAttrs {
    return this.decays(variable.name) ? step : { ...step, decay: 1, l2: 0 };
  }

  protected override endStep(): void {
    this.correction.advance();
  }

  protected override restoredIterations(iterations: number): void {
    this.correction.restore(iterations);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
    };
  }
}
