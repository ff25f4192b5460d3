/**
 * One bench variant, in its own process (so peak RSS is the variant's own): loads a generated config, runs mmx's
 * own pipeline — initBackend, prepareData, buildModel/compileModel, train — with an instrumented event listener,
 * then times inference on the test split. Prints one JSON line `BENCH_RESULT {...}` on stdout.
 *
 *   node --import tsx bench/mmx-bench.ts --variant reference|lstm [--workers N] [--threads N] [--export DIR]
 *
 * --workers N|auto: runtime.workers (data-parallel over N threads: the main thread and N-1 worker_threads; auto
 *   measures one thread against all of them on the first batches and keeps the faster, its log line is reported);
 * --threads N: runtime.threads (tfjs-backend-wasm's own thread pool). Both default to 1 (one core).
 *
 * --export DIR writes the decoded, normalised features of the (possibly cut) splits mmx trained on, so that
 * bench/torch_reference.py trains on identical inputs: DIR/meta.json + DIR/<split>.<input>.f32 (float32,
 * row-major) + DIR/<split>.labels.i32, plus DIR/layers.json (the tfjs model's layers, for reference).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { modelInputs, prepareData, type PreparedData, type SplitData } from '../src/data/dataset.js';
import { predictSplit } from '../src/evaluate/predict.js';
import { buildModel, compileModel, createOptimizer } from '../src/model/build.js';
import { resolveTracker } from '../src/tracking/resolve.js';
import type { MetricPoint } from '../src/tracking/tracker.js';
import type { RunEvent } from '../src/core/run-events.js';
import { preflightTraining } from '../src/train/preflight.js';
import { createTrainStep } from '../src/train/parallel/index.js';
import type { TrainStep } from '../src/train/step.js';
import { train } from '../src/train/trainer.js';
import { createPlainReporter } from '../src/ui/plain-reporter.js';
import { initialRunState, reduceRunState, type RunState } from '../src/ui/run-state.js';
import type { EpochFig } from './epoch-figures.js';
import { modelFlops } from './flops.js';
import { VARIANTS, writeVariantConfig, type VariantName } from './variants.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const now = (): number => performance.now();
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** The first `n` examples of a split (fewer batches per epoch). */
function cut(split: SplitData, n: number): SplitData {
  if (split.labels.length <= n) return split;
  const features: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(split.features)) features[k] = v.slice(0, (v.length / split.labels.length) * n);
  const width = split.targets.length / split.labels.length;
  return { rows: split.rows.slice(0, n), features, labels: split.labels.slice(0, n), targets: split.targets.slice(0, width * n) };
}

function exportFeatures(dir: string, data: PreparedData, variant: VariantName): void {
  mkdirSync(dir, { recursive: true });
  const splits: Record<string, { n: number }> = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const s = data[name];
    splits[name] = { n: s.labels.length };
    for (const input of data.state.inputs) writeFileSync(path.join(dir, `${name}.${input.name}.f32`), s.features[input.name]!);
    writeFileSync(path.join(dir, `${name}.labels.i32`), s.labels);
  }
  const meta = {
    variant,
    task: data.state.target.task,
    classes: data.state.target.classes,
    inputs: data.state.inputs.map((s) => ({
      name: s.name,
      modality: s.modality,
      shape: s.shape,
      vocab_size: (data.meta[s.name] as { vocabSize?: number } | undefined)?.vocabSize,
    })),
    splits,
  };
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
}

const discard = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

async function main(): Promise<void> {
  const variant = (arg('variant') ?? 'reference') as VariantName;
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown variant ${variant}; one of ${Object.keys(VARIANTS).join(', ')}`);
  const exportDir = arg('export');
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(process.cwd(), '..', 'shared', 'data'));
  const work = arg('work') ?? path.join(os.tmpdir(), 'mmx-bench-work');
  mkdirSync(work, { recursive: true });
  const configFile = writeVariantConfig(variant, dataHome, work);

  const workersArg = arg('workers') ?? '1';
  const workers: number | 'auto' = workersArg === 'auto' ? 'auto' : Number(workersArg);
  const workerLog: string[] = [];
  const threads = Number(arg('threads') ?? 1);
  const tStart = now();
  const backend = await initBackend('wasm', undefined, { threads });
  const checked = checkSemantics(loadConfig(configFile, { baseDir: process.cwd() }));
  const { config } = checked;

  // --- data: decode + preprocess, once (not part of the epoch figures)
  const tData = now();
  let data = await prepareData(checked);
  const decodeSeconds = (now() - tData) / 1000;
  const fullTrain = data.train.labels.length;
  if (spec.maxTrain !== undefined) data = { ...data, train: cut(data.train, spec.maxTrain) };
  if (exportDir) exportFeatures(exportDir, data, variant);
  const rssAfterData = process.memoryUsage().rss / 2 ** 20;

  // --- model
  const built = buildModel(config, modelInputs(data), data.state.target);
  compileModel(built, createOptimizer(config.training.optimizer));
  preflightTraining(built, backend.name);
  const layers = built.model.layers.map((l) => ({ class: l.getClassName(), name: l.name, params: l.countParams(), config: l.getConfig() }));
  if (exportDir) writeFileSync(path.join(exportDir, 'layers.json'), JSON.stringify(layers, null, 2));

  // --- instrumentation: model step (the TrainStep: trainOnBatch, or the data-parallel step), listener (UI +
  // tracking), the rest of the loop
  const stepper = await createTrainStep(built, workers, { log: (m) => workerLog.push(m) });
  let stepStart = 0;
  let stepSeconds = 0;
  let dataSeconds = 0; // gathering the batch tensors (gatherInputs/gatherTargets) — from the yield to the step
  let otherSeconds = 0; // after the step: dispose + loop bookkeeping, until the batch event
  let listenerSeconds = 0; // mmx's UI state + reporter + tracking, inside the event listener
  let yieldSeconds = 0; // the trainer's setImmediate between batches (lets the UI run)
  let mark = 0; // end of the last thing accounted for
  const timedStep: TrainStep = {
    async run(xs, ys) {
      stepStart = now();
      dataSeconds += (stepStart - mark) / 1000;
      const r = await stepper.run(xs, ys);
      mark = now();
      stepSeconds += (mark - stepStart) / 1000;
      return r;
    },
    dispose: () => stepper.dispose(),
  };

  // mmx's own per-event work, as in `mmx run`: the TUI's state reducer, the plain reporter, metrics to the tracking store
  const tracker = resolveTracker({ uri: path.join(work, `runs-${variant}`), cwd: work, onWarning: () => {} });
  const experimentId = await tracker.getOrCreateExperiment('bench');
  const run = await tracker.createRun(experimentId, { runName: `bench-${variant}`, tags: {} });
  const reporter = createPlainReporter({ stdout: discard(), stderr: discard() });
  let ui: RunState = initialRunState(Date.now());
  const metricQueue: Promise<void>[] = [];

  const epochs: EpochFig[] = [];
  let epochStart = 0;
  let trainEnd = 0;
  let cpuStart = process.cpuUsage();
  let trainCpu = 0;
  let lastBatch = 0;
  let batches = 0;
  const listener = (e: RunEvent): void => {
    const t = now();
    if (e.type === 'epoch_start') {
      stepSeconds = dataSeconds = otherSeconds = listenerSeconds = yieldSeconds = 0;
      epochStart = t;
      cpuStart = process.cpuUsage();
      batches = e.batches;
    } else if (e.type === 'batch') {
      otherSeconds += (t - mark) / 1000;
    }
    ui = reduceRunState(ui, e, Date.now());
    reporter.emit(e);
    if (e.type === 'epoch_end') {
      const timestamp = Date.now();
      const points: MetricPoint[] = Object.entries(e.metrics).map(([key, value]) => ({ key, value, timestamp, step: e.epoch }));
      points.push({ key: 'samples_per_sec', value: e.samplesPerSec, timestamp, step: e.epoch });
      metricQueue.push(tracker.logMetrics(run.runId, points));
    }
    const end = now();
    listenerSeconds += (end - t) / 1000;
    mark = end;
    if (e.type === 'batch') {
      lastBatch = e.batch;
      if (e.batch < batches) {
        // the trainer awaits setImmediate right after this event; ours was queued first, so it runs first
        setImmediate(() => {
          const y = now();
          yieldSeconds += (y - mark) / 1000;
          mark = y;
        });
      } else {
        trainEnd = end;
        const u = process.cpuUsage(cpuStart);
        trainCpu = (u.user + u.system) / 1e6;
      }
    }
    if (e.type === 'epoch_end') {
      const validation = (t - trainEnd) / 1000; // predictSplit on validation + metrics + best-weight copy
      const overhead = listenerSeconds + yieldSeconds + otherSeconds;
      epochs.push({
        epoch: e.epoch,
        seconds: (end - epochStart) / 1000,
        trainSeconds: (trainEnd - epochStart) / 1000,
        samples: data.train.labels.length,
        data: dataSeconds,
        step: stepSeconds,
        overhead,
        validation,
        samplesPerSec: e.samplesPerSec,
        trainCpuSeconds: trainCpu,
      });
    }
  };
  void lastBatch;

  const tTrain = now();
  const trained = await train(config, data, built, listener, undefined, timedStep).finally(() => timedStep.dispose());
  const trainWall = (now() - tTrain) / 1000;
  await Promise.all(metricQueue);
  await tracker.endRun(run.runId, 'FINISHED');

  // --- inference: predictSplit on the test split (batch 256, as `mmx run` evaluates); one warm-up pass first, then
  // passes until at least 3 s and 5 passes have gone by (a single pass over a small test split is too noisy)
  await predictSplit(built.predictor, cut(data.test, 256), built.inputs, data.state.target);
  let reps = 0;
  let inferSeconds = 0;
  let inferCpuSeconds = 0;
  let correct = 0;
  while (reps < 5 || inferSeconds < 3) {
    const t = now();
    const c = process.cpuUsage();
    const preds = await predictSplit(built.predictor, data.test, built.inputs, data.state.target);
    inferSeconds += (now() - t) / 1000;
    const u = process.cpuUsage(c);
    inferCpuSeconds += (u.user + u.system) / 1e6;
    if (reps === 0) correct = data.test.labels.reduce((acc, label, i) => acc + (preds.predicted[i] === label ? 1 : 0), 0);
    reps += 1;
  }
  const nTest = data.test.labels.length;

  const flops = modelFlops(built.training?.model ?? built.model);
  const result = {
    engine: 'mmx',
    variant,
    backend: `${backend.description}${workers === 'auto' ? `; ${workerLog.at(-1) ?? 'runtime.workers auto: no choice made'}` : workers > 1 ? `, data-parallel on ${workers} threads` : ''}`,
    workers,
    threads,
    tfjs: tf.version.tfjs,
    parameters: built.model.countParams(),
    flops: { forward: flops.forward, train: flops.train, skipped: flops.skipped },
    data: { train: data.train.labels.length, trainFull: fullTrain, validation: data.validation.labels.length, test: nTest },
    batchSize: config.training.batch_size,
    decodeSeconds,
    epochs,
    trainWallSeconds: trainWall,
    evaluatedEpoch: trained.outcome.evaluatedEpoch,
    inference: {
      samples: nTest * reps,
      seconds: inferSeconds,
      cpuSeconds: inferCpuSeconds,
      samplesPerSec: (nTest * reps) / inferSeconds,
      batchSize: 256,
    },
    testAccuracy: correct / nTest,
    rssAfterDataMb: rssAfterData,
    peakRssMb: peakRssMb(),
    totalSeconds: (now() - tStart) / 1000,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
