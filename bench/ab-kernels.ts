/**
 * In-process A/B of this wasm kernel and recurrent-layer work on a bench variant's model (issue 7, item 2):
 *
 *   A "stock": tfjs-backend-wasm's own BatchMatMul, _FusedMatMul, Sum, Identity and GatherV2, and tf.layers.lstm/gru;
 *   B "mmx":   mmx's replacements (src/backend/wasm-kernels) and FastLSTM/FastGRU (src/model/layers).
 *
 * (The kernels tfjs-backend-wasm lacks or gets wrong — Conv2DBackpropFilter, UnsortedSegmentSum, MaxPoolGrad,
 * Conv2DBackpropInput — are mmx's in both: without them the stock model cannot train.)
 * The model is built once through mmx's pipeline; the stock twin is the same topology with tfjs's recurrent
 * classes and the same weights. Both train on the same batches, alternating rounds of `--steps` steps, so that
 * load on a shared machine hits both alike. Prints train samples/s (model step only) and inference samples/s.
 *
 *   node --import tsx bench/ab-kernels.ts --variant reference|lstm [--rounds 3] [--steps 4] [--infer-reps 4]
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
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

function useStockKernels(stock: boolean): void {
  const s = stock ? 'original' : 'auto';
  setMatMulStrategy(s);
  setSumStrategy(s);
  setIdentityStrategy(s);
  setGatherStrategy(s);
}

/** The same model with tfjs's own LSTM/GRU classes in place of mmx's (their configs are a subset of tfjs's). */
async function stockTwin(model: tf.LayersModel): Promise<tf.LayersModel> {
  const json = JSON.stringify(model.toJSON(null, false)).replaceAll('"MmxLSTM"', '"LSTM"').replaceAll('"MmxGRU"', '"GRU"');
  const twin = await tf.models.modelFromJSON(JSON.parse(json) as tf.io.ModelJSON);
  twin.setWeights(model.getWeights());
  return twin;
}

async function main(): Promise<void> {
  const variant = (arg('variant') ?? 'reference') as VariantName;
  const rounds = Number(arg('rounds') ?? 3);
  const steps = Number(arg('steps') ?? 4);
  const inferReps = Number(arg('infer-reps') ?? 4);
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown variant ${variant}`);
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const work = path.join(os.tmpdir(), 'mmx-ab-work');
  mkdirSync(work, { recursive: true });
  const backend = await initBackend('wasm');
  const checked = checkSemantics(loadConfig(writeVariantConfig(variant, dataHome, work)));
  const data = await prepareData(checked);
  const built = buildModel(checked.config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(checked.config.training.optimizer));
  const mmxModel = built.training?.model ?? built.model;
  const stockModel = await stockTwin(mmxModel);
  stockModel.compile({ optimizer: createOptimizer(checked.config.training.optimizer), loss: mmxModel.loss, metrics: [] });
  const models = { mmx: mmxModel, stock: stockModel };
  const bs = checked.config.training.batch_size;
  const n = data.train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const numClasses = data.state.target.classes?.length ?? 1;
  let cursor = 0;
  const batches: { xs: tf.Tensor[]; ys: tf.Tensor }[] = [];
  for (let i = 0; i < steps; i++) {
    if (cursor + bs > n) cursor = 0;
    batches.push({
      xs: gatherInputs(data.train, built.inputs, order, cursor, cursor + bs),
      ys: gatherTargets(data.train, order, cursor, cursor + bs, numClasses),
    });
    cursor += bs;
  }
  const infer = gatherInputs(data.test, built.inputs, order, 0, Math.min(256, data.test.labels.length));
  const inferN = infer[0]!.shape[0]!;
  const trainSteps = async (which: 'mmx' | 'stock'): Promise<number> => {
    useStockKernels(which === 'stock');
    const m = models[which];
    const t0 = performance.now();
    for (const { xs, ys } of batches) {
      const outs = m.outputs.length;
      await m.trainOnBatch(xs.length === 1 ? xs[0]! : xs, outs > 1 ? m.outputs.map(() => ys) : ys);
    }
    return performance.now() - t0;
  };
  const inference = (which: 'mmx' | 'stock'): number => {
    useStockKernels(which === 'stock');
    const t0 = performance.now();
    const out = models[which].predict(infer.length === 1 ? infer[0]! : infer) as tf.Tensor | tf.Tensor[];
    for (const o of Array.isArray(out) ? out : [out]) {
      o.dataSync();
      o.dispose();
    }
    return performance.now() - t0;
  };
  // warm-up
  for (const w of ['mmx', 'stock'] as const) {
    await trainSteps(w);
    inference(w);
  }
  const sum = { mmx: { train: 0, infer: 0 }, stock: { train: 0, infer: 0 } };
  for (let r = 0; r < rounds; r++) {
    for (const w of (r % 2 === 0 ? ['stock', 'mmx'] : ['mmx', 'stock']) as ('mmx' | 'stock')[]) {
      sum[w].train += await trainSteps(w);
      for (let k = 0; k < inferReps; k++) sum[w].infer += inference(w);
    }
  }
  useStockKernels(false);
  const fmt = (w: 'mmx' | 'stock') => {
    const train = (rounds * steps * bs * 1000) / sum[w].train;
    const inf = (rounds * inferReps * inferN * 1000) / sum[w].infer;
    return { train, inf };
  };
  const a = fmt('stock');
  const b = fmt('mmx');
  process.stdout.write(
    `${variant} (${backend.description}, load ${os.loadavg()[0]!.toFixed(1)}): ${rounds} rounds × ${steps} steps of ${bs}\n` +
      `  stock: train ${a.train.toFixed(0)} samples/s, inference ${a.inf.toFixed(0)} samples/s\n` +
      `  mmx:   train ${b.train.toFixed(0)} samples/s, inference ${b.inf.toFixed(0)} samples/s\n` +
      `  mmx / stock: train ${(b.train / a.train).toFixed(2)}x, inference ${(b.inf / a.inf).toFixed(2)}x\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
