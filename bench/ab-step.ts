/**
 * Whole-step A/B of this issue's work (issue 16) in one process: the same model trained on the same batch with
 * "new" (mmx's SIMD kernels, fused optimiser update, one-kernel Relu gradient, one-kernel dropout, slices on the heap) and "old" (the kernels and tfjs ops
 * they replace), alternating, plus inference on the test split. Reports the fastest of 15 rounds of each, on the
 * process's CPU clock (a shared, loaded machine's wall clock counts other processes' time; CPU time does not, though
 * it still runs slower when other processes thrash the caches).
 *
 *   node --import tsx bench/ab-step.ts --variant reference|lstm [--only simd|optimizer|relu|dropout|slice]
 *
 * --only: "old" differs from "new" in that one part only.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { initBackend } from '../src/backend/select.js';
import { setSimdKernels } from '../src/backend/simd/module.js';
import { setSliceStrategy } from '../src/backend/wasm-kernels/index.js';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { modelInputs, prepareData } from '../src/data/dataset.js';
import { predictSplit } from '../src/evaluate/predict.js';
import { buildModel, compileModel, createOptimizer } from '../src/model/build.js';
import { setFusedUpdates } from '../src/model/optimizers/slot-optimizer.js';
import { setFusedReluGradient } from '../src/ops/relu-grad.js';
import { setFusedDropout } from '../src/ops/dropout.js';
import { gatherInputs, gatherTargets } from '../src/train/batches.js';
import { VARIANTS, writeVariantConfig, type VariantName } from './variants.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const variant = (arg('variant') ?? 'reference') as VariantName;
  if (!VARIANTS[variant]) throw new Error(`unknown variant ${variant}`);
  await initBackend('wasm');
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const work = path.join(os.tmpdir(), 'mmx-ab-step-work');
  mkdirSync(work, { recursive: true });
  const checked = checkSemantics(loadConfig(writeVariantConfig(variant, dataHome, work)));
  const data = await prepareData(checked);
  const built = buildModel(checked.config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(checked.config.training.optimizer));
  const model = built.training?.model ?? built.model;
  const bs = checked.config.training.batch_size;
  const order = Int32Array.from({ length: data.train.labels.length }, (_, i) => i);
  const xs = gatherInputs(data.train, built.inputs, order, 0, bs);
  const ys = gatherTargets(data.train, order, 0, bs, data.state.target.classes?.length ?? 1);
  const x = xs.length === 1 ? xs[0]! : xs;
  const only = arg('only');
  const switches: Record<string, (on: boolean) => void> = {
    simd: setSimdKernels,
    optimizer: setFusedUpdates,
    relu: setFusedReluGradient,
    dropout: setFusedDropout,
    slice: (on) => setSliceStrategy(on ? 'auto' : 'original'),
  };
  if (only !== undefined && !switches[only]) throw new Error(`--only: one of ${Object.keys(switches).join(', ')}`);
  const useNew = (on: boolean): void => {
    for (const [name, set] of Object.entries(switches)) set(only === undefined || name === only ? on : true);
  };
  const step = { new: Infinity, old: Infinity };
  const infer = { new: Infinity, old: Infinity };
  for (let r = 0; r < 16; r++) {
    for (const arm of ['new', 'old'] as const) {
      useNew(arm === 'new');
      await model.trainOnBatch(x, ys);
      const c0 = process.cpuUsage();
      for (let i = 0; i < 3; i++) await model.trainOnBatch(x, ys);
      const s = cpuMs(c0) / 3;
      const c1 = process.cpuUsage();
      await predictSplit(built.predictor, data.test, built.inputs, data.state.target);
      const p = cpuMs(c1);
      if (r > 0) {
        step[arm] = Math.min(step[arm], s);
        infer[arm] = Math.min(infer[arm], p);
      }
    }
  }
  useNew(true);
  const n = data.test.labels.length;
  const line = (arm: 'new' | 'old') =>
    `  ${arm}: training step ${step[arm].toFixed(1)} ms (${((bs * 1000) / step[arm]).toFixed(0)} samples/s), inference ${((n * 1000) / infer[arm]).toFixed(0)} samples/s`;
  process.stdout.write(
    `${variant}${only ? ` (--only ${only})` : ''}: fastest of 15 alternating rounds, CPU time; load average ${os.loadavg()[0]!.toFixed(1)} (1 min)\n${line('new')}\n${line('old')}\n` +
      `  new ÷ old: training ${(step.old / step.new).toFixed(2)}×, inference ${(infer.old / infer.new).toFixed(2)}×\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
