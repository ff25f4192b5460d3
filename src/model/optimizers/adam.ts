/**
 * Adam as mmx runs it: tfjs-core's AdamOptimizer's arithmetic (β1, β2, ε, the bias corrections, float32 rounding
 * for float32 rounding), one fused `MmxAdamUpdate` kernel per variable where the backend has it
 * (src/ops/adam-update.ts), on SlotOptimizer (settable learning rate, gradient transform).
 * With weight decay (L2 or decoupled): ./adamw.ts.
 */
import { adamUpdate, adamUpdateAttrs, type AdamUpdateAttrs } from '../../ops/adam-update.js';
import * as tf from '../../tf.js';
import { BiasCorrection } from './bias-correction.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';

export interface AdamOptions extends SlotOptimizerOptions {
  beta1?: number;
  beta2?: number;
  /** default: the backend's epsilon (1e-7 for float32), as tf.train.adam */
  epsilon?: number;
}

export class MmxAdam extends SlotOptimizer<AdamUpdateAttrs> {
  static get className(): string {
    return 'MmxAdam';
  }

  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly correction: BiasCorrection;

  constructor(o: AdamOptions) {
    super(adamUpdate, o);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? tf.backend().epsilon();
    this.correction = new BiasCorrection(this.beta1, this.beta2);
  }

  protected stepAttrs(): AdamUpdateAttrs {
    const { accBeta1, accBeta2 } = this.correction;
    return adamUpdateAttrs({ ...this.hyper(), accBeta1, accBeta2 });
  }

  protected override endStep(): void {
    this.correction.advance();
  }

  protected override restoredIterations(iterations: number): void {
    this.correction.restore(iterations);
  }

  private hyper(): { learningRate: number; beta1: number; beta2: number; epsilon: number } {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  getConfig(): tf.serialization.ConfigDict {
    return this.hyper();
  }
}
