/**
 * Adam's bias corrections as tfjs-core's AdamOptimizer keeps them: β1ᵗ and β2ᵗ of the next step in float32,
 * multiplied by β once per step, and recomputed as β^(t+1) after a restore (as tfjs's setWeights does).
 */
export class BiasCorrection {
  /** β1ᵗ and β2ᵗ of the next step, as float32 */
  accBeta1: number;
  accBeta2: number;

  constructor(
    readonly beta1: number,
    readonly beta2: number,
  ) {
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /** after a step */
  advance(): void {
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
  }

  /** after a restore at `iterations` steps done */
  restore(iterations: number): void {
    this.accBeta1 = Math.fround(Math.pow(this.beta1, iterations + 1));
    this.accBeta2 = Math.fround(Math.pow(this.beta2, iterations + 1));
  }
}
