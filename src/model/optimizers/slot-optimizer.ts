/**
 * The base of mmx's optimisers: per-variable state slots (Adam's m and v, a momentum buffer, …) and, per
 * variable and step, ONE fused kernel that reads the variable, its gradient and its slots and writes their new
 * values — where the current backend has that kernel (wasm and cpu have mmx's: src/backend). Elsewhere
 * (tfjs-node, webgl, …) the same update runs as plain tfjs ops, which is also the reference the kernels match.
 *
 * A subclass names its slots and gives, once per step, a `StepUpdate`: the kernel's name and attributes, and the
 * plain-ops version. Adding an optimiser (SGD with momentum, RMSprop, AdamW, …) is: its kernel(s) in src/ops and
 * src/backend, and a subclass here with its step.
 *
 * State layout matches tfjs's own optimisers: getWeights() is [iterations, all variables' slot 0, all variables'
 * slot 1, …], each named `<variable>/<slot>`.
 */
import * as tf from '../../tf.js';

/** One step's update, as a fused kernel and as plain tfjs ops. */
export interface StepUpdate {
  /** the fused kernel: inputs { value, gradient, <slot names> }, outputs [value', ...slots'] */
  kernel: string;
  attrs: tf.NamedAttrMap;
  /** the same update in tfjs ops, for backends without the kernel: returns [value', ...slots'] */
  ops(value: tf.Tensor, gradient: tf.Tensor, slots: readonly tf.Tensor[]): tf.Tensor[];
}

/** tfjs's `{name, tensor}` pair (not exported under a name by @tensorflow/tfjs). */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

let fusedUpdates = true;
/** For tests and benchmarks: false makes every mmx optimiser take its plain-ops path. */
export function setFusedUpdates(on: boolean): void {
  fusedUpdates = on;
}

interface Slots {
  variableName: string;
  slots: tf.Variable[];
}

export abstract class SlotOptimizer extends tf.Optimizer {
  private state: Slots[] = [];

  protected constructor(private readonly slotNames: readonly string[]) {
    super();
  }

  /** The update of the step about to run (called once per applyGradients, before any variable). */
  protected abstract beginStep(): StepUpdate;
  /** After every variable of the step was updated (e.g. advance a bias correction). */
  protected endStep(): void {}

  /** Whether this backend runs `kernel` fused (false: the plain-ops path). */
  static usesFusedKernel(kernel: string, backend: string = tf.getBackend()): boolean {
    return fusedUpdates && tf.getKernel(kernel, backend) !== undefined;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const update = this.beginStep();
    const fused = SlotOptimizer.usesFusedKernel(update.kernel);
    entries.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`optimizer: no variable named ${name}`);
      const state = (this.state[i] ??= {
        variableName: name,
        slots: this.slotNames.map(() => tf.tidy(() => tf.zerosLike(value).variable(false))),
      });
      if (gradient == null) return;
      tf.tidy(() => {
        const inputs: tf.NamedTensorMap = { value, gradient };
        this.slotNames.forEach((slot, j) => (inputs[slot] = state.slots[j]!));
        const outs = fused
          ? (tf.engine().runKernel(update.kernel, inputs, update.attrs) as tf.Tensor[])
          : update.ops(value, gradient, state.slots);
        value.assign(outs[0]!);
        state.slots.forEach((s, j) => s.assign(outs[j + 1]!));
      });
    });
    this.endStep();
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.state) tf.dispose(s.slots);
    this.state = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = this.slotNames.flatMap((slot, j) => this.state.map((s) => ({ name: `${s.variableName}/${slot}`, tensor: s.slots[j]! })));
    return [await this.saveIterations(), ...slots];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const count = values.length / this.slotNames.length;
    if (!Number.isInteger(count)) throw new Error(`optimizer state: ${values.length} tensors for ${this.slotNames.length} slots each`);
    this.dispose();
    this.state = Array.from({ length: count }, (_, i) => ({
      variableName: values[i]!.name.slice(0, values[i]!.name.lastIndexOf('/')),
      slots: this.slotNames.map((_, j) => values[j * count + i]!.tensor.variable(false)),
    }));
    this.restoredIterations(this.iterations);
  }

  /** After setWeights: recompute whatever depends on the step count (a bias correction). */
  protected restoredIterations(_iterations: number): void {}
}
