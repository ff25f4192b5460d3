/**
 * Per-kernel timing of a training step of a bench variant on wasm (issue 7, item 2): which kernels dominate.
 *
 *   node --import tsx bench/profile-kernels.ts --variant reference|lstm [--steps 5] [--top 25] [--json FILE] [--stock] [--infer]
 *
 * Builds the variant's model through mmx's own pipeline (as bench/mmx-bench.ts does), runs two warm-up steps,
 * then wraps every kernel registered for 'wasm' in a timer and runs `--steps` training steps (batch 64) on real
 * batches. Times are inclusive wall-clock per kernel call; a kernel called from inside another kernel (mmx's
 * conv gradients call wasm's Conv2D/BatchMatMul) is counted under its caller only. Also prints the step time
 * measured without the wrappers, and the share of the step spent outside kernels (tape, JS glue).
 * --infer: inference passes instead (model.predict on batches of 256 of the test split, as `mmx run` evaluates).
 * --stock: tfjs-backend-wasm's own BatchMatMul, _FusedMatMul, Sum, Identity and GatherV2 instead of mmx's.
 * MMX_PROFILE_THREADS=n: wasm threads (default: mmx's default). MMX_PROFILE_SHAPES=1: the table split by input
 * shapes and attributes too. MMX_PROFILE_CLOCK=cpu: the process's CPU time instead of wall-clock time (on a shared,
 * loaded machine wall-clock time counts the time other processes had the core; CPU time does not, but counts
 * V8's own helper threads).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { setGatherStrategy, setIdentityStrategy, setMatMulStrategy, setSumStrategy } from '../src/backend/wasm-kernels/index.js';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { modelInputs, prepareData } from '../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer } from '../src/model/build.js';
import { gatherInputs, gatherTargets } from '../src/train/batches.js';
import { VARIANTS, writeVariantConfig, type VariantName } from './variants.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cpuClock = process.env.MMX_PROFILE_CLOCK === 'cpu';
/** milliseconds on the chosen clock */
function now(): number {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Row {
  calls: number;
  ms: number;
}

async function main(): Promise<void> {
  const variant = (arg('variant') ?? 'reference') as VariantName;
  const steps = Number(arg('steps') ?? 5);
  const top = Number(arg('top') ?? 25);
  const byShape = process.env.MMX_PROFILE_SHAPES === '1';
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown variant ${variant}`);
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const work = path.join(os.tmpdir(), 'mmx-profile-work');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(work, { recursive: true });
  await initBackend('wasm', undefined, process.env.MMX_PROFILE_THREADS ? { threads: Number(process.env.MMX_PROFILE_THREADS) } : {});
  if (process.argv.includes('--stock')) {
    // tfjs-backend-wasm's own BatchMatMul/_FusedMatMul/Sum/Identity/GatherV2 (the recurrent layers stay mmx's)
    setMatMulStrategy('original');
    setSumStrategy('original');
    setIdentityStrategy('original');
    setGatherStrategy('original');
  }
  const checked = checkSemantics(loadConfig(writeVariantConfig(variant, dataHome, work)));
  const data = await prepareData(checked);
  const built = buildModel(checked.config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(checked.config.training.optimizer));
  const stepped = built.training?.model ?? built.model;
  const bs = checked.config.training.batch_size;
  const n = data.train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const numClasses = data.state.target.classes?.length ?? 1;
  const multi = stepped.outputs.length > 1;
  const infer = process.argv.includes('--infer');
  const testOrder = Int32Array.from({ length: data.test.labels.length }, (_, i) => i);
  const inferBatch = Math.min(256, data.test.labels.length);
  let cursor = 0;
  const trainStep = async (): Promise<number> => {
    if (cursor + bs > n) cursor = 0;
    const xs = gatherInputs(data.train, built.inputs, order, cursor, cursor + bs);
    const ys = gatherTargets(data.train, order, cursor, cursor + bs, numClasses);
    cursor += bs;
    const t = now();
    await stepped.trainOnBatch(xs.length === 1 ? xs[0]! : xs, multi ? stepped.outputs.map(() => ys) : ys);
    const ms = now() - t;
    tf.dispose([...xs, ys]);
    return ms;
  };
  const inferStep = async (): Promise<number> => {
    const xs = gatherInputs(data.test, built.inputs, testOrder, 0, inferBatch);
    const t = now();
    const out = built.predictor.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: inferBatch }) as tf.Tensor;
    await out.data();
    const ms = now() - t;
    tf.dispose([...xs, out]);
    return ms;
  };
  const step = infer ? inferStep : trainStep;
  const unit = infer ? inferBatch : bs;
  for (let i = 0; i < 2; i++) await step();
  let plain = 0;
  for (let i = 0; i < steps; i++) plain += await step();

  // wrap every wasm kernel
  const rows = new Map<string, Row>();
  let depth = 0;
  const originals = tf.getKernelsForBackend('wasm');
  for (const k of originals) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (depth > 0) return f(args);
        depth++;
        const t = now();
        try {
          return f(args);
        } finally {
          depth--;
          let key = k.kernelName;
          if (byShape) {
            const shapes = Object.values(args.inputs)
              .filter((x) => x != null)
              .map((x) => `[${(x as tf.TensorInfo).shape.join(',')}]`);
            const a = args.attrs ?? {};
            const flags = Object.entries(a)
              .filter(([, v]) => typeof v === 'boolean' && v)
              .map(([name]) => name);
            key += ` ${shapes.join(' ')}${flags.length ? ` ${flags.join(',')}` : ''}`;
          }
          const r = rows.get(key) ?? { calls: 0, ms: 0 };
          r.calls++;
          r.ms += now() - t;
          rows.set(key, r);
        }
      },
    });
  }
  let wrapped = 0;
  for (let i = 0; i < steps; i++) wrapped += await step();
  const total = [...rows.values()].reduce((a, r) => a + r.ms, 0);
  const sorted = [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const lines: string[] = [];
  lines.push(
    `variant ${variant}, ${steps} ${infer ? 'inference passes' : 'training steps'} of batch ${unit}; ${cpuClock ? 'CPU' : 'wall-clock'} time; load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  lines.push(`step (no wrappers) ${(plain / steps).toFixed(1)} ms  → ${((unit * steps * 1000) / plain).toFixed(0)} samples/s`);
  lines.push(
    `step (wrapped) ${(wrapped / steps).toFixed(1)} ms; in kernels ${(total / steps).toFixed(1)} ms/step; ` +
      `outside kernels ${((wrapped - total) / steps).toFixed(1)} ms/step`,
  );
  lines.push(`${'kernel'.padEnd(byShape ? 70 : 28)} ${'ms/step'.padStart(9)} ${'calls/step'.padStart(10)} ${'share'.padStart(6)}`);
  for (const [name, r] of sorted.slice(0, top)) {
    lines.push(
      `${name.padEnd(byShape ? 70 : 28)} ${(r.ms / steps).toFixed(2).padStart(9)} ${(r.calls / steps).toFixed(0).padStart(10)} ${((100 * r.ms) / wrapped).toFixed(1).padStart(5)}%`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = arg('json');
  if (json) {
    writeFileSync(
      json,
      JSON.stringify(
        { variant, steps, plainMsPerStep: plain / steps, wrappedMsPerStep: wrapped / steps, kernels: Object.fromEntries(sorted) },
        null,
        2,
      ),
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
