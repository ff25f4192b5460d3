/**
 * The base of mmx's optimisers: per-variable state slots (Adam's m and v, a momentum buffer, …) and, per variable
 * and step, ONE fused kernel that reads the variable, its gradient and its slots and writes their new values
 * (a fused update: src/ops/fused-update.ts) — where the current backend has that kernel (wasm and cpu have mmx's).
 * Elsewhere (tfjs-node, webgl, …) the same update runs as the update's plain tfjs ops, which are also the
 * reference the kernels are tested against.
 *
 * Adding an optimiser:
 *  1. its update: `defineFusedUpdate({ kernel, slots, attrs, arrays, ops })` in src/ops (see adam-update.ts).
 *     With that alone the optimiser runs everywhere, on the plain-ops path;
 *  2. listing it in src/ops/fused-updates.ts gives it a cpu kernel and a wasm kernel (its `arrays` loop);
 *  3. optionally a SIMD function in src/backend/simd/c/optim.c, bound in src/backend/wasm-kernels/fused-update.ts;
 *  4. a subclass here: `super(update, options)`, `stepAttrs()` (the scalars of the coming step, from
 *     `this.learningRate` and its own hyperparameters), and where needed `variableAttrs` (per-variable scalars
 *     from the variable's name and shape, e.g. no weight decay for biases and normalisation parameters),
 *     `endStep` (e.g. advance a bias correction) and `restoredIterations`.
 *  5. `createOptimizer` in ../build.ts maps the config's optimizer type to it.
 *
 * What every optimiser gets from this base:
 *  - `learningRate`, settable between steps (`setLearningRate`, for a schedule stepped per batch or per epoch);
 *  - `gradientTransform` (option): a function of all the step's gradients before any update, e.g. clipping by
 *    global norm or by value; tensors it makes are disposed after the step;
 *  - state saved and restored as tfjs's own optimisers do: getWeights() is [iterations, every variable's slot 0,
 *    every variable's slot 1, …], each named `<variable>/<slot>`; state is kept per variable name.
 */
import * as tf from '../../tf.js';
import type { FusedUpdate, UpdateAttrs } from '../../ops/fused-update.js';

/** tfjs's `{name, tensor}` pair (not exported under a name by @tensorflow/tfjs). */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** A variable's gradient in a step (`gradient` null: the variable is not updated this step). */
export interface NamedGradient {
  name: string;
  gradient: tf.Tensor | null;
}

/**
 * Rewrites a step's gradients before the update (runs inside a tf.tidy: new tensors are disposed after the step;
 * the variables and incoming gradients are not the transform's to dispose). Returns one entry per variable.
 */
export type GradientTransform = (gradients: readonly NamedGradient[]) => NamedGradient[];

export interface SlotOptimizerOptions {
  learningRate: number;
  gradientTransform?: GradientTransform;
}

let fusedUpdates = true;
/** For tests and benchmarks: false makes every mmx optimiser take its plain-ops path. */
export function setFusedUpdates(on: boolean): void {
  fusedUpdates = on;
}

function checkLearningRate(lr: number): number {
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`learning rate must be a finite number ≥ 0, got ${lr}`);
  return lr;
}

export abstract class SlotOptimizer<A extends UpdateAttrs> extends tf.Optimizer {
  /** the step size of the next step */
  get learningRate(): number {
    return this.lr;
  }

  /**
   * `x instanceof` this class by the prototype chain: tf.Optimizer's own Symbol.hasInstance answers true for any
   * object with an optimiser's methods, which would make every optimiser look like this one.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && Object.prototype.isPrototypeOf.call(this.prototype, x);
  }

  /** the name of the fused update's kernel */
  get kernel(): string {
    return this.update.kernel;
  }

  private lr: number;
  private readonly gradientTransform: GradientTransform | undefined;
  /** per variable name, its slots in the order of `update.slots`; insertion order is getWeights()'s order */
  private state = new Map<string, tf.Variable[]>();

  protected constructor(
    protected readonly update: FusedUpdate<A>,
    options: SlotOptimizerOptions,
  ) {
    super();
    this.lr = checkLearningRate(options.learningRate);
    this.gradientTransform = options.gradientTransform;
  }

  /** Sets the learning rate of the following steps (a schedule calls it before a step). */
  setLearningRate(lr: number): void {
    this.lr = checkLearningRate(lr);
  }

  /** The update's attributes for the step about to run (called once per applyGradients, before any variable). */
  protected abstract stepAttrs(): A;
  /** One variable's attributes in this step (default: the step's); e.g. weight decay 0 for a bias (by name or rank). */
  protected variableAttrs(_variable: tf.Variable, step: A): A {
    return step;
  }
  /** After every variable of the step was updated (e.g. advance a bias correction). */
  protected endStep(): void {}
  /** After setWeights: recompute whatever depends on the step count (a bias correction). */
  protected restoredIterations(_iterations: number): void {}

  /** Whether this backend runs `kernel` fused (false: the plain-ops path). */
  static usesFusedKernel(kernel: string, backend: string = tf.getBackend()): boolean {
    return fusedUpdates && tf.getKernel(kernel, backend) !== undefined;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const incoming: NamedGradient[] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({ name: g.name, gradient: g.tensor }))
      : Object.entries(variableGradients).map(([name, gradient]) => ({ name, gradient }));
    const step = this.stepAttrs();
    const fused = SlotOptimizer.usesFusedKernel(this.update.kernel);
    tf.tidy(() => {
      const gradients = this.gradientTransform ? this.gradientTransform(incoming) : incoming;
      for (const { name, gradient } of gradients) {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`optimizer: no variable named ${name}`);
        let slots = this.state.get(name);
        if (slots === undefined) {
          // variables are not disposed by the enclosing tidy
          slots = this.update.slots.map(() => tf.zerosLike(value).variable(false));
          this.state.set(name, slots);
        }
        if (gradient == null) continue;
        const attrs = this.variableAttrs(value, step);
        tf.tidy(() => {
          const outs = fused
            ? (tf.engine().runKernel(this.update.kernel, this.kernelInputs(value, gradient, slots), attrs) as tf.Tensor[])
            : this.update.ops(attrs, value, gradient, slots);
          value.assign(outs[0]!);
          slots.forEach((s, j) => s.assign(outs[j + 1]!));
        });
      }
    });
    this.endStep();
    this.incrementIterations();
  }

  private kernelInputs(value: tf.Tensor, gradient: tf.Tensor, slots: readonly tf.Tensor[]): tf.NamedTensorMap {
    const inputs: tf.NamedTensorMap = { value, gradient };
    this.update.slots.forEach((slot, j) => (inputs[slot] = slots[j]!));
    return inputs;
  }

  override dispose(): void {
    for (const slots of this.state.values()) tf.dispose(slots);
    this.state = new Map();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const entries = [...this.state.entries()];
    const slots = this.update.slots.flatMap((slot, j) => entries.map(([name, s]) => ({ name: `${name}/${slot}`, tensor: s[j]! })));
    return [await this.saveIterations(), ...slots];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const k = this.update.slots.length;
    // an update without state (SGD without momentum) saves the step count only
    const count = k === 0 && values.length === 0 ? 0 : values.length / k;
    if (!Number.isInteger(count)) throw new Error(`optimizer state: ${values.length} tensors for ${k} slots each`);
    this.dispose();
    for (let i = 0; i < count; i++) {
      const name = values[i]!.name.slice(0, values[i]!.name.lastIndexOf('/'));
      this.state.set(
        name,
        this.update.slots.map((slot, j) => {
          const w = values[j * count + i]!;
          if (w.name !== `${name}/${slot}`) throw new Error(`optimizer state: expected ${name}/${slot} at ${j * count + i}, got ${w.name}`);
          return w.tensor.variable(false);
        }),
      );
    }
    this.restoredIterations(this.iterations);
  }
}
