/**
 * Gradient accumulation (`training.accumulate_batches: k`): the optimiser the model is compiled with when k > 1.
 * Each batch's gradient (the mean over its n examples, as trainOnBatch or the data-parallel step hands it over) is
 * added, weighted by n, into a running sum; on the group's last batch the wrapped optimiser gets Σ nᵢ·gᵢ / Σ nᵢ —
 * the gradient of the mean loss over all the group's examples, i.e. what one batch of them all would give, up to
 * float rounding — and makes one update (clipping, weight decay and the schedule act on that update).
 *
 * The trainer says before each batch how many examples it has and whether the update follows (`expect`): a group
 * is k batches, and an epoch's last group may be shorter (the update is made at the epoch's end, so no gradient
 * crosses an epoch boundary, where checkpoints are taken). Without `expect`, every batch is its own update.
 */
import * as tf from '../../tf.js';

/** tfjs's `{name, tensor}` pair (not exported under a name by @tensorflow/tfjs). */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export class GradientAccumulator extends tf.Optimizer {
  static get className(): string {
    return 'MmxGradientAccumulator';
  }

  /**
   * `x instanceof` this class by the prototype chain: tf.Optimizer's own Symbol.hasInstance answers true for any
   * object with an optimiser's methods, which would make every optimiser look like this one.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && Object.prototype.isPrototypeOf.call(this.prototype, x);
  }

  /** per variable name, Σ nᵢ·gᵢ over the group's batches so far */
  private sums = new Map<string, tf.Variable>();
  /** the variables with a gradient in the group so far (their sums are current; others hold an older group's) */
  private seen = new Set<string>();
  /** Σ nᵢ so far (0: no batch of the group yet) */
  private examples = 0;
  private next: { examples: number; apply: boolean } | undefined;

  constructor(readonly inner: tf.Optimizer) {
    super();
  }

  /** The next `applyGradients` is a batch of `examples`; `apply`: the update follows it (the group's last batch). */
  expect(examples: number, apply: boolean): void {
    if (!(examples > 0)) throw new RangeError(`a batch needs examples, got ${examples}`);
    this.next = { examples, apply };
  }

  /** Batches accumulated since the last update (0 between groups). */
  get pending(): boolean {
    return this.examples > 0;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const next = this.next ?? { examples: 1, apply: true };
    this.next = undefined;
    const grads: Array<[string, tf.Tensor]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    if (next.apply && this.examples === 0) {
      // a group of one batch: its gradient is the group's
      this.inner.applyGradients(variableGradients);
      return;
    }
    tf.tidy(() => {
      for (const [name, g] of grads) {
        if (g == null) continue;
        const weighted = tf.mul(g, next.examples);
        const sum = this.sums.get(name);
        if (sum === undefined) this.sums.set(name, weighted.variable(false));
        else sum.assign(this.seen.has(name) ? tf.add(sum, weighted) : weighted);
        this.seen.add(name);
      }
    });
    this.examples += next.examples;
    if (!next.apply) return;
    const total = this.examples;
    const mean: tf.NamedTensorMap = tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const name of this.seen) out[name] = tf.keep(tf.div(this.sums.get(name)!, total));
      return out;
    });
    try {
      this.inner.applyGradients(mean);
    } finally {
      tf.dispose(Object.values(mean));
      this.examples = 0;
      this.seen.clear();
    }
  }

  override dispose(): void {
    tf.dispose([...this.sums.values()]);
    this.sums = new Map();
    this.inner.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.inner.setWeights(weightValues);
  }

  override get iterations(): number {
    return this.inner.iterations;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { accumulates: this.inner.getClassName() };
  }
}
