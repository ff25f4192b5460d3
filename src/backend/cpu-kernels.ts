/** Kernels mmx registers for tfjs's cpu backend: its own ops (src/ops) that have a cpu implementation. */
import * as tf from '../tf.js';
import { fusedUpdateCpuConfig } from '../ops/fused-update.js';
import { FUSED_UPDATES } from '../ops/fused-updates.js';
import { reluGradCpuConfig } from '../ops/relu-grad.js';
import { dropoutCpuConfig } from '../ops/dropout.js';

const CPU_KERNELS: readonly tf.KernelConfig[] = [...FUSED_UPDATES.map(fusedUpdateCpuConfig), reluGradCpuConfig, dropoutCpuConfig];

/** Registers them (idempotent; a kernel already registered under the name is kept). */
export function registerCpuKernels(): void {
  for (const config of CPU_KERNELS) if (tf.getKernel(config.kernelName, 'cpu') === undefined) tf.registerKernel(config);
}
