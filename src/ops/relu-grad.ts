/**
 * Relu's gradient as one kernel, `MmxReluGrad` (inputs {dy, x}, float32): dx = dy · step(x), exactly what tfjs's own
 * Relu gradient computes as three kernels (step, a cast, a product) with two temporaries. `registerReluGradient()`
 * installs a Relu gradient that runs the kernel where the current backend has one (wasm: mmx's SIMD module; cpu:
 * this file's loop) and tfjs's own three ops everywhere else (tfjs-node, webgl, …).
 */
import * as tf from '../tf.js';
import { asCpuBackend, readF32 } from './cpu-backend.js';

export const RELU_GRAD = 'MmxReluGrad';

/** dx[i] = dy[i] · step(x[i]): dy where x > 0, 0 where x ≤ 0 (±0 by dy's sign), NaN where x is NaN. */
export function reluGradArrays(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < dx.length; i++) {
    const v = x[i]!;
    dx[i] = dy[i]! * (v !== v ? v : v > 0 ? 1 : 0);
  }
}

/** The kernel's inputs, checked: float32, one size. */
export function reluGradInputs(inputs: tf.NamedTensorInfoMap): [tf.TensorInfo, tf.TensorInfo] {
  const dy = inputs['dy'];
  const x = inputs['x'];
  if (dy === undefined || x === undefined || dy.dtype !== 'float32' || x.dtype !== 'float32')
    throw new Error(`${RELU_GRAD}: inputs dy and x must be float32 tensors`);
  if (tf.util.sizeFromShape(dy.shape) !== tf.util.sizeFromShape(x.shape))
    throw new Error(`${RELU_GRAD}: dy [${dy.shape.join(', ')}] and x [${x.shape.join(', ')}] differ in size`);
  return [dy, x];
}

function cpuReluGrad({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const cpu = asCpuBackend(backend, RELU_GRAD);
  const [dy, x] = reluGradInputs(inputs);
  const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
  reluGradArrays(readF32(cpu, dy, RELU_GRAD), readF32(cpu, x, RELU_GRAD), dx);
  return cpu.makeTensorInfo([...x.shape], 'float32', dx);
}

export const reluGradCpuConfig: tf.KernelConfig = { kernelName: RELU_GRAD, backendName: 'cpu', kernelFunc: cpuReluGrad };

let fused = true;
/** For tests and benchmarks: false makes the Relu gradient take tfjs's own three ops on every backend. */
export function setFusedReluGradient(on: boolean): void {
  fused = on;
}

/** Installs the Relu gradient described above (idempotent; replaces tfjs's, which it reproduces elsewhere). */
export function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = Array.isArray(dy) ? dy[0]! : dy;
      return {
        x: () =>
          fused && x!.dtype === 'float32' && d.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
            ? (tf.engine().runKernel(RELU_GRAD, { dy: d, x: x! }) as tf.Tensor)
            : tf.mul(d, tf.cast(tf.step(x!), 'float32')),
      };
    },
  });
}
