/**
 * Data-parallel training throughput on the bench's models (bench/variants.ts: `reference`, `lstm`): trains the
 * same model from the same initial weights with runtime.workers 1 and 2, alternating A/B/A/B in one process
 * (machine noise hits both alike), on the wasm backend with 1 wasm thread in the main thread, and prints
 * samples/s and where a parallel step spends its time (main shard, waiting, transfer, optimiser).
 *
 *   MMX_DATA_HOME=… node --import tsx bench/measure-parallel.ts [--variant reference|lstm] [--batches 30] [--rounds 2]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VARIANTS, writeVariantConfig, type VariantName } from './variants.js';
import { initBackend } from '../src/backend/select.js';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { modelInputs, prepareData, type PreparedData } from '../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer, type BuiltModel } from '../src/model/build.js';
import { gatherInputs, gatherTargets } from '../src/train/batches.js';
import { createParallelStep, type ParallelStep } from '../src/train/parallel/index.js';
import { localStep, type TrainStep } from '../src/train/step.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};

/** CPU seconds per thread of this process (Linux /proc; utime + stime, 10 ms ticks); empty elsewhere. */
function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // no /proc
  }
  return out;
}

/** CPU seconds of the main thread and of the busiest other thread (the worker) between two snapshots. */
function cpuSplit(a: Map<number, number>, b: Map<number, number>): { main: number; other: number } {
  let other = 0;
  for (const [tid, v] of b) if (tid !== process.pid) other = Math.max(other, v - (a.get(tid) ?? 0));
  return { main: (b.get(process.pid) ?? 0) - (a.get(process.pid) ?? 0), other };
}

interface Timing {
  /** wall-clock samples per second */
  rate: number;
  /** CPU milliseconds (all threads of the process) per sample: what the machine's other load cannot inflate */
  cpuMsPerSample: number;
  /** CPU milliseconds per step of the main thread and of the busiest other thread */
  mainMsPerStep: number;
  otherMsPerStep: number;
}

async function timeSteps(
  data: PreparedData,
  built: BuiltModel,
  step: TrainStep,
  from: number,
  batches: number,
  batchSize: number,
): Promise<Timing> {
  const n = data.train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const threads0 = threadCpu();
  for (let b = 0; b < batches; b++) {
    const start = ((from + b) * batchSize) % (n - batchSize);
    const xs = gatherInputs(data.train, built.inputs, order, start, start + batchSize);
    const ys = gatherTargets(data.train, order, start, start + batchSize, data.state.target.classes.length);
    await step.run(xs, ys);
    tf.dispose([...xs, ys]);
  }
  const cpu = process.cpuUsage(c0);
  const split = cpuSplit(threads0, threadCpu());
  const samples = batches * batchSize;
  return {
    rate: samples / ((performance.now() - t0) / 1000),
    cpuMsPerSample: (cpu.user + cpu.system) / 1000 / samples,
    mainMsPerStep: (split.main * 1000) / batches,
    otherMsPerStep: (split.other * 1000) / batches,
  };
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
  console.log(
    `${variant}: ${info.description}; ${build().model.countParams()} parameters; batch ${batchSize}; ${batches} timed batches per measurement after 3 warm-up; ${os.availableParallelism()} cores`,
  );
  const single = build();
  const parallelModel = build();
  const local = localStep(single);
  const rssBefore = process.memoryUsage().rss;
  const tStart = performance.now();
  const parallel: ParallelStep = await createParallelStep(parallelModel, 2);
  const w = parallel.startup()[0];
  console.log(
    `worker start ${((performance.now() - tStart) / 1000).toFixed(2)} s` +
      `, RSS +${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB` +
      (w
        ? ` (modules loaded at ${(w.loaded / 1000).toFixed(2)} s, backend at ${(w.backend / 1000).toFixed(2)} s, model rebuilt at ${(w.model / 1000).toFixed(2)} s)`
        : ''),
  );
  try {
    await timeSteps(data, single, local, 0, 3, batchSize);
    await timeSteps(data, parallelModel, parallel, 0, 3, batchSize);
    for (let r = 0; r < rounds; r++) {
      const a = await timeSteps(data, single, local, 3 + r * batches, batches, batchSize);
      const before = parallel.stats();
      const b = await timeSteps(data, parallelModel, parallel, 3 + r * batches, batches, batchSize);
      const after = parallel.stats();
      const per = (k: 'main' | 'wait' | 'send' | 'combine' | 'publish' | 'apply' | 'worker'): string =>
        `${(((after[k] - before[k]) / batches) * 1000).toFixed(1)} ms`;
      console.log(
        `round ${r + 1}: workers 1 ${a.rate.toFixed(0)} samples/s, ${a.cpuMsPerSample.toFixed(2)} CPU ms/sample | ` +
          `workers 2 ${b.rate.toFixed(0)} samples/s (×${(b.rate / a.rate).toFixed(2)}), ${b.cpuMsPerSample.toFixed(2)} CPU ms/sample; ` +
          `per parallel step: main shard ${per('main')}, worker shard ${per('worker')}, wait ${per('wait')}, transfer: shards out ${per('send')} + gradients in ${per('combine')} + weights out ${per('publish')}, optimiser ${per('apply')}`,
      );
      // with idle cores a step takes about as long as its busiest thread's CPU time
      console.log(
        `  CPU per step: workers 1 main thread ${a.mainMsPerStep.toFixed(0)} ms | workers 2 main thread ${b.mainMsPerStep.toFixed(0)} ms, worker ${b.otherMsPerStep.toFixed(0)} ms ` +
          `→ on idle cores ≈ ×${(a.mainMsPerStep / Math.max(b.mainMsPerStep, b.otherMsPerStep)).toFixed(2)}`,
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
