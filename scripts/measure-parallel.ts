/**
 * Data-parallel training throughput on the bench's models (bench/variants.ts: `reference`, `lstm`): trains the
 * same model from the same initial weights with runtime.workers 1 and 2, alternating A/B/A/B in one process
 * (machine noise hits both alike), on the wasm backend with 1 wasm thread in the main thread, and prints
 * samples/s and where a parallel step spends its time (main shard, waiting, transfer, optimiser).
 *
 *   MMX_DATA_HOME=… node --import tsx scripts/measure-parallel.ts [--variant reference|lstm] [--batches 30] [--rounds 2]
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VARIANTS, writeVariantConfig, type VariantName } from '../bench/variants.js';
import { initBackend } from '../src/backend/select.js';
import { loadConfig } from '../src/config/load.js';
import { checkSemantics } from '../src/config/semantic.js';
import { modelInputs, prepareData, type PreparedData } from '../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer, type BuiltModel } from '../src/model/build.js';
import { gatherInputs, gatherTargets } from '../src/train/batches.js';
import { createParallelStep, type ParallelStep } from '../src/train/parallel/index.js';
import { localStep, type TrainStep } from '../src/train/step.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};

interface Timing {
  /** wall-clock samples per second */
  rate: number;
  /** CPU milliseconds (all threads of the process) per sample: what the machine's other load cannot inflate */
  cpuMsPerSample: number;
}

async function timeSteps(data: PreparedData, built: BuiltModel, step: TrainStep, from: number, batches: number, batchSize: number): Promise<Timing> {
  const n = data.train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let b = 0; b < batches; b++) {
    const start = ((from + b) * batchSize) % (n - batchSize);
    const xs = gatherInputs(data.train, built.inputs, order, start, start + batchSize);
    const ys = gatherTargets(data.train, order, start, start + batchSize, data.state.target.classes.length);
    await step.run(xs, ys);
    tf.dispose([...xs, ys]);
  }
  const cpu = process.cpuUsage(c0);
  const samples = batches * batchSize;
  return { rate: samples / ((performance.now() - t0) / 1000), cpuMsPerSample: (cpu.user + cpu.system) / 1000 / samples };
}

async function main(): Promise<void> {
  const variant = arg('variant', 'reference') as VariantName;
  if (!VARIANTS[variant]) throw new Error(`unknown variant ${variant}`);
  const batches = Number(arg('batches', '30'));
  const rounds = Number(arg('rounds', '2'));
  const home = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const file = writeVariantConfig(variant, home, mkdtempSync(path.join(os.tmpdir(), 'mmx-parallel-measure-')));
  const info = await initBackend('wasm', undefined, { threads: 1 });
  const checked = checkSemantics(loadConfig(file));
  const data = await prepareData(checked);
  const { config } = checked;
  const batchSize = config.training.batch_size;
  const build = (): BuiltModel => {
    const built = buildModel(config, modelInputs(data), data.state.target);
    compileModel(built, createOptimizer(config.training.optimizer));
    return built;
  };
  console.log(`${variant}: ${info.description}; ${build().model.countParams()} parameters; batch ${batchSize}; ${batches} timed batches per measurement after 3 warm-up; ${os.availableParallelism()} cores`);
  const single = build();
  const parallelModel = build();
  const local = localStep(single);
  const parallel: ParallelStep = await createParallelStep(parallelModel, 2);
  try {
    await timeSteps(data, single, local, 0, 3, batchSize);
    await timeSteps(data, parallelModel, parallel, 0, 3, batchSize);
    for (let r = 0; r < rounds; r++) {
      const a = await timeSteps(data, single, local, 3 + r * batches, batches, batchSize);
      const before = parallel.stats();
      const b = await timeSteps(data, parallelModel, parallel, 3 + r * batches, batches, batchSize);
      const after = parallel.stats();
      const per = (k: 'main' | 'wait' | 'transfer' | 'apply' | 'worker'): string => `${(((after[k] - before[k]) / batches) * 1000).toFixed(1)} ms`;
      console.log(
        `round ${r + 1}: workers 1 ${a.rate.toFixed(0)} samples/s, ${a.cpuMsPerSample.toFixed(2)} CPU ms/sample | ` +
          `workers 2 ${b.rate.toFixed(0)} samples/s (×${(b.rate / a.rate).toFixed(2)}), ${b.cpuMsPerSample.toFixed(2)} CPU ms/sample; ` +
          `per parallel step: main shard ${per('main')}, worker shard ${per('worker')}, wait ${per('wait')}, transfer ${per('transfer')}, optimiser ${per('apply')}`,
      );
    }
  } finally {
    await parallel.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
