/**
 * The fused Adam update as a tfjs kernel, `MmxAdamUpdate`: one call per variable instead of tfjs's dozen
 * element-wise kernels (each with its tensors, tape bookkeeping and a pass over memory).
 *
 *   inputs  { value, gradient, m, v }   (float32, one shape)
 *   attrs   the step's scalars, each as tfjs's Adam rounds it to float32 (AdamUpdateAttrs)
 *   outputs [value', m', v']            new tensors (the variable's old value may be shared)
 *
 * Kernels: wasm (mmx's SIMD module, c/optim.c; this file's loop where it cannot load) and cpu (this file's loop).
 * Any other backend has no kernel, and the optimiser takes its plain-tfjs path (../model/optimizers). All of them
 * compute exactly what tfjs-core's AdamOptimizer computes, float32 rounding for float32 rounding.
 */
import * as tf from '../tf.js';

export const ADAM_UPDATE = 'MmxAdamUpdate';

/** A type, not an interface: it passes as tfjs's NamedAttrMap. */
export type AdamUpdateAttrs = {
  beta1: number;
  /** 1 − β1 */
  oneMinusBeta1: number;
  beta2: number;
  /** 1 − β2 */
  oneMinusBeta2: number;
  /** 1 − β1ᵗ (the bias correction of this step) */
  oneMinusAccBeta1: number;
  /** 1 − β2ᵗ */
  oneMinusAccBeta2: number;
  epsilon: number;
  /** −learning rate */
  negLearningRate: number;
};

const ATTR_NAMES = [
  'beta1',
  'oneMinusBeta1',
  'beta2',
  'oneMinusBeta2',
  'oneMinusAccBeta1',
  'oneMinusAccBeta2',
  'epsilon',
  'negLearningRate',
] as const satisfies readonly (keyof AdamUpdateAttrs)[];

/** A kernel's attributes as AdamUpdateAttrs; throws naming the first one missing or not a number. */
export function readAdamAttrs(attrs: tf.NamedAttrMap | undefined): AdamUpdateAttrs {
  const out: Partial<AdamUpdateAttrs> = {};
  for (const name of ATTR_NAMES) {
    const v = attrs?.[name];
    if (typeof v !== 'number') throw new Error(`${ADAM_UPDATE}: attribute ${name} must be a number, got ${String(v)}`);
    out[name] = v;
  }
  return out as AdamUpdateAttrs;
}

/** The attributes of one step, rounded to float32 as tfjs's scalars and tensor arithmetic round them. */
export function adamUpdateAttrs(o: {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accBeta1: number;
  accBeta2: number;
}): AdamUpdateAttrs {
  const f = Math.fround;
  return {
    beta1: f(o.beta1),
    oneMinusBeta1: f(1 - o.beta1),
    beta2: f(o.beta2),
    oneMinusBeta2: f(1 - o.beta2),
    oneMinusAccBeta1: f(1 - f(o.accBeta1)),
    oneMinusAccBeta2: f(1 - f(o.accBeta2)),
    epsilon: f(o.epsilon),
    negLearningRate: f(-o.learningRate),
  };
}

/** The update on plain arrays (outputs separate from inputs), float32 rounding after every operation. */
export function adamUpdateArrays(
  a: AdamUpdateAttrs,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  po: Float32Array,
  mo: Float32Array,
  vo: Float32Array,
): void {
  const f = Math.fround;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const nm = f(f(m[i]! * a.beta1) + f(gi * a.oneMinusBeta1));
    const nv = f(f(v[i]! * a.beta2) + f(f(gi * gi) * a.oneMinusBeta2));
    const step = f(f(f(nm / a.oneMinusAccBeta1) / f(f(Math.sqrt(f(nv / a.oneMinusAccBeta2))) + a.epsilon)) * a.negLearningRate);
    po[i] = step + p[i]!;
    mo[i] = nm;
    vo[i] = nv;
  }
}

/** The same update in tfjs ops (any backend): tfjs-core's AdamOptimizer, step for step. Returns [value', m', v']. */
export function adamUpdateOps(a: AdamUpdateAttrs, value: tf.Tensor, gradient: tf.Tensor, m: tf.Tensor, v: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const nm = tf.add(tf.mul(m, a.beta1), tf.mul(gradient, a.oneMinusBeta1));
    const nv = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(gradient), a.oneMinusBeta2));
    const bm = tf.div(nm, a.oneMinusAccBeta1);
    const bv = tf.div(nv, a.oneMinusAccBeta2);
    const next = tf.add(tf.mul(tf.div(bm, tf.add(tf.sqrt(bv), a.epsilon)), a.negLearningRate), value);
    return [next, nm, nv];
  });
}

interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

function isCpuLike(b: unknown): b is CpuBackendLike {
  const c = b as Partial<CpuBackendLike> | null;
  return c != null && typeof c.readSync === 'function' && typeof c.makeTensorInfo === 'function';
}

/** The float32 inputs of an MmxAdamUpdate call, checked: one shape, float32. */
export function adamInputs(inputs: tf.NamedTensorInfoMap): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const get = (name: string): tf.TensorInfo => {
    const t = inputs[name];
    if (t === undefined || t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE}: input '${name}' must be a float32 tensor`);
    return t;
  };
  const ts: [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] = [get('value'), get('gradient'), get('m'), get('v')];
  const size = tf.util.sizeFromShape(ts[0].shape);
  if (ts.some((t) => tf.util.sizeFromShape(t.shape) !== size))
    throw new Error(
      `${ADAM_UPDATE}: value, gradient, m and v must have one shape, got ${ts.map((t) => `[${t.shape.join(', ')}]`).join(' ')}`,
    );
  return ts;
}

function cpuAdamUpdate({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  if (!isCpuLike(backend)) throw new Error(`${ADAM_UPDATE}: expected tfjs's cpu backend`);
  const a = readAdamAttrs(attrs);
  const [pt, gt, mt, vt] = adamInputs(inputs);
  const read = (t: tf.TensorInfo): Float32Array => {
    const values = backend.readSync(t.dataId);
    if (!(values instanceof Float32Array)) throw new Error(`${ADAM_UPDATE}: expected float32 data`);
    return values;
  };
  const p = read(pt);
  const po = new Float32Array(p.length);
  const mo = new Float32Array(p.length);
  const vo = new Float32Array(p.length);
  adamUpdateArrays(a, p, read(gt), read(mt), read(vt), po, mo, vo);
  const shape = [...pt.shape];
  return [
    backend.makeTensorInfo(shape, 'float32', po),
    backend.makeTensorInfo(shape, 'float32', mo),
    backend.makeTensorInfo(shape, 'float32', vo),
  ];
}

export const adamUpdateCpuConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'cpu',
  kernelFunc: cpuAdamUpdate,
};
