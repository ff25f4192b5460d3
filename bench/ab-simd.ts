/**
 * Kernel-by-kernel A/B of mmx's SIMD kernels (src/backend/simd) against the paths they replace, at the exact
 * shapes of a bench variant's training step (issue 16). Runs two training steps while recording every call of
 * the kernels below (name, input shapes, attributes), then replays each distinct call on random inputs with the
 * SIMD kernels on and off, alternating, and keeps the fastest of `--reps` runs of each: on a shared, loaded
 * machine the minimum of many short runs is what stays comparable.
 *
 *   node --import tsx bench/ab-simd.ts --variant reference|lstm [--reps 15]
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { setSimdKernels } from '../src/backend/simd/module.js';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { modelInputs, prepareData } from '../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer } from '../src/model/build.js';
import { gatherInputs, gatherTargets } from '../src/train/batches.js';
import { VARIANTS, writeVariantConfig, type VariantName } from './variants.js';

const KERNELS = new Set([
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'MaxPool',
  'MaxPoolGrad',
  'Sum',
  ...(process.env.MMX_AB_KERNELS ?? '').split(',').filter(Boolean),
]);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Call {
  kernel: string;
  inputs: Record<string, { shape: number[]; dtype: tf.DataType }>;
  attrs: tf.NamedAttrMap;
  count: number;
}

async function main(): Promise<void> {
  const variant = (arg('variant') ?? 'reference') as VariantName;
  const reps = Number(arg('reps') ?? 15);
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown variant ${variant}`);
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const work = path.join(os.tmpdir(), 'mmx-ab-simd-work');
  mkdirSync(work, { recursive: true });
  await initBackend('wasm');
  const checked = checkSemantics(loadConfig(writeVariantConfig(variant, dataHome, work)));
  const data = await prepareData(checked);
  const built = buildModel(checked.config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(checked.config.training.optimizer));
  const model = built.training?.model ?? built.model;
  const bs = checked.config.training.batch_size;
  const order = Int32Array.from({ length: data.train.labels.length }, (_, i) => i);
  const xs = gatherInputs(data.train, built.inputs, order, 0, bs);
  const ys = gatherTargets(data.train, order, 0, bs, data.state.target.classes?.length ?? 1);
  const step = () => model.trainOnBatch(xs.length === 1 ? xs[0]! : xs, model.outputs.length > 1 ? model.outputs.map(() => ys) : ys);
  await step();

  // record one step's calls (top-level only: a kernel called from inside another is part of its caller)
  const calls = new Map<string, Call>();
  let depth = 0;
  const wrapped = tf.getKernelsForBackend('wasm').filter((k) => KERNELS.has(k.kernelName));
  for (const k of wrapped) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (a) => {
        if (depth === 0) {
          const inputs = Object.fromEntries(
            Object.entries(a.inputs)
              .filter(([, t]) => t != null)
              .map(([n, t]) => [n, { shape: [...t!.shape], dtype: t!.dtype }]),
          );
          const key = `${k.kernelName} ${JSON.stringify(inputs)} ${JSON.stringify(a.attrs)}`;
          const c = calls.get(key) ?? { kernel: k.kernelName, inputs, attrs: { ...(a.attrs ?? {}) }, count: 0 };
          c.count++;
          calls.set(key, c);
        }
        depth++;
        try {
          return k.kernelFunc(a);
        } finally {
          depth--;
        }
      },
    });
  }
  await step();
  for (const k of wrapped) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }

  const lines: string[] = [];
  let totalOn = 0;
  let totalOff = 0;
  for (const c of [...calls.values()].sort((a, b) => a.kernel.localeCompare(b.kernel))) {
    const inputs: tf.NamedTensorMap = {};
    for (const [n, s] of Object.entries(c.inputs))
      inputs[n] = s.dtype === 'int32' ? tf.zeros(s.shape, 'int32') : tf.randomUniform(s.shape, -1, 1);
    const run = (on: boolean): number => {
      setSimdKernels(on);
      const t = performance.now();
      const out = tf.engine().runKernel(c.kernel, inputs, c.attrs) as tf.Tensor | tf.Tensor[];
      // wasm kernels run synchronously: no need to read the output back (a copy of megabytes, not the kernel's time)
      const ms = performance.now() - t;
      tf.dispose(out);
      return ms;
    };
    let on = Infinity;
    let off = Infinity;
    run(true);
    run(false);
    for (let r = 0; r < reps; r++) {
      on = Math.min(on, run(true));
      off = Math.min(off, run(false));
    }
    setSimdKernels(true);
    tf.dispose(Object.values(inputs));
    totalOn += on * c.count;
    totalOff += off * c.count;
    const shapes = Object.entries(c.inputs)
      .map(([n, s]) => `${n}[${s.shape.join(',')}]`)
      .join(' ');
    const flags = Object.entries(c.attrs)
      .filter(([, v]) => v === true || (typeof v === 'string' && v !== 'NHWC'))
      .map(([n, v]) => (v === true ? n : `${n}=${String(v)}`))
      .join(',');
    lines.push(
      `${c.kernel.padEnd(21)} ${`${shapes} ${flags}`.padEnd(70)} ×${c.count}  simd ${on.toFixed(2).padStart(7)} ms  old ${off.toFixed(2).padStart(7)} ms  ${(off / on).toFixed(2).padStart(5)}×`,
    );
  }
  process.stdout.write(
    `${variant}: fastest of ${reps} alternating runs per call, load ${os.loadavg()[0]!.toFixed(1)}\n${lines.join('\n')}\n` +
      `per step (× calls): simd ${totalOn.toFixed(1)} ms, old ${totalOff.toFixed(1)} ms\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
