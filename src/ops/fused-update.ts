/**
 * Fused optimiser updates: ONE kernel per variable and step that reads the variable, its gradient and the
 * optimiser's state slots and writes their new values — instead of a dozen element-wise kernels, each with its
 * temporaries, tape bookkeeping and a pass over memory.
 *
 * An update is defined once, with `defineFusedUpdate`:
 *  - `kernel`: its tfjs kernel name ('MmxAdamUpdate');
 *  - `slots`: the state it keeps per variable, in order (Adam: ['m', 'v']; SGD with momentum: ['velocity']);
 *  - `attrs`: the names of its scalar attributes (numbers, one set per step and variable: learning rate, β, …,
 *    each already rounded as the reference rounds it);
 *  - `arrays(a, inputs, outputs)`: the element loop — inputs [value, gradient, ...slots], outputs
 *    [value', ...slots'] (separate arrays of one length). It is the cpu kernel and the wasm kernel's fallback;
 *  - `ops(a, value, gradient, slots)`: the same update in tfjs ops, returning [value', ...slots']. Backends without
 *    the kernel (tfjs-node, webgl, …) run it, and the kernels are tested against it.
 *
 * The kernel's inputs are { value, gradient, <slot names> } (float32, one size), its outputs [value', ...slots']
 * (new tensors: the variable's old value may be shared). `fusedUpdateCpuConfig(def)` makes the cpu kernel; the
 * wasm kernel is made in src/backend/wasm-kernels/fused-update.ts, which also runs a SIMD function where one is
 * bound. Every update registered for the backends is listed in ./fused-updates.ts.
 */
import * as tf from '../tf.js';
import { asCpuBackend, readF32 } from './cpu-backend.js';

/** An update's scalar attributes (a type alias, not an interface: it passes as tfjs's NamedAttrMap). */
export type UpdateAttrs = Record<string, number>;

export interface FusedUpdate<A extends UpdateAttrs> {
  readonly kernel: string;
  readonly slots: readonly string[];
  /** the attribute names (every key of A; checked by defineFusedUpdate) */
  readonly attrs: readonly string[];
  /** the update on arrays: inputs [value, gradient, ...slots], outputs [value', ...slots'] (distinct arrays) */
  arrays(a: A, inputs: readonly Float32Array[], outputs: readonly Float32Array[]): void;
  /** the update in tfjs ops (any backend): returns [value', ...slots'] */
  ops(a: A, value: tf.Tensor, gradient: tf.Tensor, slots: readonly tf.Tensor[]): tf.Tensor[];
}

/** Checks a definition (attribute names of A; slot names that cannot collide with the kernel's inputs) and returns it. */
export function defineFusedUpdate<A extends UpdateAttrs>(def: FusedUpdate<A> & { attrs: readonly (keyof A & string)[] }): FusedUpdate<A> {
  const names = ['value', 'gradient', ...def.slots];
  if (new Set(names).size !== names.length)
    throw new Error(`${def.kernel}: slot names must be distinct and not 'value' or 'gradient', got [${def.slots.join(', ')}]`);
  return def;
}

/** A kernel call's attributes, checked against the definition: every one a finite number. */
export function readUpdateAttrs<A extends UpdateAttrs>(def: FusedUpdate<A>, attrs: tf.NamedAttrMap | undefined): A {
  const out: UpdateAttrs = {};
  for (const name of def.attrs) {
    const v = attrs?.[name];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${def.kernel}: attribute ${name} must be a finite number, got ${String(v)}`);
    out[name] = v;
  }
  // every name of A was read above, each a number
  return out as A;
}

/** A kernel call's inputs in order [value, gradient, ...slots], checked: float32, one size. */
export function updateInputs(def: FusedUpdate<UpdateAttrs>, inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const names = ['value', 'gradient', ...def.slots];
  const ts = names.map((name) => {
    const t = inputs[name];
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${def.kernel}: input '${name}' must be a float32 tensor`);
    return t;
  });
  const size = tf.util.sizeFromShape(ts[0]!.shape);
  if (ts.some((t) => tf.util.sizeFromShape(t.shape) !== size))
    throw new Error(`${def.kernel}: ${names.join(', ')} must have one shape, got ${ts.map((t) => `[${t.shape.join(', ')}]`).join(' ')}`);
  return ts;
}

/** The update's kernel for tfjs's cpu backend: `arrays` over the inputs' data. */
export function fusedUpdateCpuConfig<A extends UpdateAttrs>(def: FusedUpdate<A>): tf.KernelConfig {
  return {
    kernelName: def.kernel,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const cpu = asCpuBackend(backend, def.kernel);
      const a = readUpdateAttrs(def, attrs);
      const ins = updateInputs(def, inputs).map((t) => readF32(cpu, t, def.kernel));
      const n = ins[0]!.length;
      const outs = ins.filter((_, i) => i !== 1).map(() => new Float32Array(n));
      def.arrays(a, ins, outs);
      const shape = [...inputs['value']!.shape];
      return outs.map((o) => cpu.makeTensorInfo(shape, 'float32', o));
    },
  };
}
