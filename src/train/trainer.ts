/**
 * The training loop: seeded shuffling, one optimiser step per batch, validation after every epoch, early
 * stopping with best-weight restoration. Progress goes out as RunEvents; interruption is checked between
 * batches through an AbortSignal.
 */
import * as tf from '../tf.js';
import type { ExperimentConfig } from '../experiment/schema.js';
import { isStreamed, type PreparedData, type SplitData, type StreamedData, type StreamedSplit } from '../data/dataset.js';
import { seededRandom, shuffleInPlace } from '../core/random.js';
import { evaluateTask } from '../evaluate/task-metrics.js';
import { predictSplit } from '../evaluate/predict.js';
import { compileTrainingGraph, type BuiltModel } from '../model/build.js';
import { gatherInputs, gatherTargets, StreamBatcher, streamBatchTensors, type BatchAugment, type StreamShuffle } from './batches.js';
import { augmentSeed, trainingAugmenter } from '../data/augment/index.js';
import type { Metrics, RunEvent, TrainingOutcome } from '../core/run-events.js';
import { metricDirection } from '../metrics/registry.js';
import { localStep, steppedModel, type TrainStep } from './step.js';
import { stepControl } from './optim/control-for.js';
import type { EpochRecord, TrainerState, TrainHooks } from './trainer-state.js';
import { randomLayerCalls, setRandomLayerCalls } from '../model/layers/random-state.js';

export type { EpochRecord, TrainerState, TrainHooks } from './trainer-state.js';

export interface TrainResult {
  history: EpochRecord[];
  /** the best epoch and the evaluated one: also emitted as the `training_end` event */
  outcome: TrainingOutcome;
}

export class TrainingAborted extends Error {
  constructor() {
    super('training was interrupted');
    this.name = 'TrainingAborted';
  }
}

/** Metrics where lower is better (early stopping's `mode: auto`, the plateau schedule): the metric registry's direction. */
const lowerIsBetter = (metric: string): boolean => metricDirection(metric) === 'min';

/** Whether `a` improves on `b` for the monitored metric. */
function improves(a: number, b: number | undefined, mode: 'min' | 'max', minDelta: number): boolean {
  if (b === undefined) return true;
  return mode === 'min' ? a < b - minDelta : a > b + minDelta;
}

export async function train(
  config: ExperimentConfig,
  data: PreparedData | StreamedData,
  built: BuiltModel,
  emit: (e: RunEvent) => void,
  signal?: AbortSignal,
  step?: TrainStep,
  streamShuffle?: StreamShuffle,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { model, inputs } = built;
  // With auxiliary losses (late fusion) the optimiser steps a multi-output graph over the same layers; `model` (one
  // output, the fused prediction) is what validation, metrics and best-weight tracking read.
  const stepped = steppedModel(built);
  if (built.training) {
    const optimizer = (model as { optimizer?: tf.Optimizer }).optimizer;
    if (!optimizer) throw new Error('compile built.model (or call compileModel) before training');
    compileTrainingGraph(built, optimizer);
  }
  const stepper = step ?? localStep(built);
  const control = stepControl(config, model, Math.ceil(data.train.labels.length / config.training.batch_size), lowerIsBetter);
  // positions of the fused output's loss and accuracy in what trainOnBatch returns
  const names = stepped.metricsNames;
  const multi = stepped.outputs.length > 1;
  const lossAt = multi ? names.indexOf(`${stepped.outputNames[0]}_loss`) : 0;
  const accAt = multi ? names.findIndex((n, i) => i > stepped.outputs.length && n.startsWith(`${stepped.outputNames[0]}_`)) : 1;
  const target = data.state.target;
  const hasAccuracy = target.task === 'classification' || target.task === 'binary';
  const { epochs, batch_size: batchSize, shuffle } = config.training;
  const es = config.training.early_stopping;
  const monitor = es?.monitor ?? 'val_loss';
  const mode = es?.mode === 'min' || es?.mode === 'max' ? es.mode : metricDirection(monitor);
  const random = seededRandom(config.seed ^ 0x5eed);
  const augmentRandom = seededRandom(augmentSeed(config.seed));
  const n = data.train.labels.length;
  const batches = Math.ceil(n / batchSize);
  // in-memory training: one order, reshuffled in place every epoch
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const history: EpochRecord[] = [];
  // training batches only: validation, test and prediction see the data as it is
  const augment = trainingAugmenter(config, data.state, config.seed, augmentRandom);
  let best: number | undefined;
  let bestEpoch: number | undefined;
  let bestWeights: tf.Tensor[] | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  const resume = hooks.resume;
  if (resume) {
    const s = resume.state;
    history.push(...s.history);
    ({ best, bestEpoch, sinceBest, stoppedEarly } = s);
    bestWeights = resume.bestWeights;
    control.restore(s.control);
    random.state = s.random.shuffle;
    augmentRandom.state = s.random.augment;
    setRandomLayerCalls(model, s.random.layers);
    if (s.order) {
      if (s.order.length !== n) throw new Error(`the checkpoint's example order has ${s.order.length} rows, the training split ${n}`);
      order.set(s.order);
    }
  }
  const stateAfter = (epoch: number): TrainerState => ({
    epoch,
    history: [...history],
    ...(best !== undefined ? { best } : {}),
    ...(bestEpoch !== undefined ? { bestEpoch } : {}),
    sinceBest,
    stoppedEarly,
    control: control.state(),
    random: { shuffle: random.state, augment: augmentRandom.state, layers: randomLayerCalls(model) },
    ...(isStreamed(data.train) ? {} : { order: Array.from(order) }),
  });

  try {
    const first = resume && !resume.state.stoppedEarly ? resume.state.epoch + 1 : resume ? epochs + 1 : 1;
    for (let epoch = first; epoch <= epochs; epoch++) {
      const epochBatches = trainingBatches(
        data.train,
        order,
        inputs,
        batchSize,
        target.classes.length,
        shuffle ? random : undefined,
        augment,
        streamShuffle,
      );
      emit({ type: 'epoch_start', epoch, epochs, batches });
      const t0 = performance.now();
      let lossSum = 0;
      let accSum = 0;
      let totalSum = 0;
      let end = 0;
      let b = 0;
      for (const { xs, ys } of epochBatches) {
        if (signal?.aborted) {
          tf.dispose([...xs, ys]);
          throw new TrainingAborted();
        }
        const start = end;
        end = start + ys.shape[0]!;
        control.beforeBatch(end - start, end >= n);
        const out = await stepper.run(xs, ys);
        control.afterBatch();
        tf.dispose([...xs, ys]);
        // the fused output's loss and accuracy; `total` adds the weighted auxiliary losses when there are any
        const total = out[0] ?? NaN;
        const loss = out[lossAt] ?? NaN;
        const acc = hasAccuracy ? (out[accAt] ?? NaN) : NaN;
        totalSum += total * (end - start);
        if (!Number.isFinite(total))
          throw new Error(`training diverged: loss is ${total} at epoch ${epoch}, batch ${b + 1} (try a lower learning_rate)`);
        lossSum += loss * (end - start);
        accSum += acc * (end - start);
        const elapsed = (performance.now() - t0) / 1000;
        b += 1;
        emit({ type: 'batch', epoch, batch: b, batches, loss, accuracy: acc, samplesPerSec: end / Math.max(elapsed, 1e-9) });
        // let timers (UI, signals) run
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      const val = await predictSplit(model, data.validation, inputs, target);
      const report = evaluateTask('validation', target, data.validation, val.probabilities, config.evaluation.metrics).result;
      const metrics: Metrics = { train_loss: lossSum / n };
      if (hasAccuracy) metrics['train_accuracy'] = accSum / n;
      if (multi) metrics['train_total_loss'] = totalSum / n;
      for (const [k, v] of Object.entries(report.metrics)) metrics[`val_${k}`] = v;
      metrics['learning_rate'] = control.endEpoch(metrics);
      const value = metrics[monitor];
      const isBest = value !== undefined && Number.isFinite(value) && improves(value, best, mode, es?.min_delta ?? 0);
      if (isBest) {
        best = value;
        bestEpoch = epoch;
        sinceBest = 0;
        if (es?.restore_best) {
          tf.dispose(bestWeights ?? []);
          bestWeights = model.getWeights().map((w) => w.clone());
        }
      } else {
        sinceBest += 1;
      }
      const seconds = (performance.now() - t0) / 1000;
      const record = { epoch, metrics, samplesPerSec: n / trainSeconds, seconds };
      history.push(record);
      emit({ type: 'epoch_end', epoch, epochs, metrics, samplesPerSec: record.samplesPerSec, seconds, best: isBest });
      stoppedEarly = es !== undefined && sinceBest > es.patience;
      await hooks.onEpochEnd?.({ state: stateAfter(epoch), isBest });
      if (stoppedEarly) {
        emit({ type: 'early_stop', epoch, bestEpoch: bestEpoch ?? epoch, monitor, best: best ?? Number.NaN });
        break;
      }
    }
    // the model keeps the best epoch's weights with restore_best, else the last epoch's
    const restoredBest = es?.restore_best === true && bestWeights !== undefined && bestEpoch !== undefined;
    if (restoredBest && bestEpoch !== history.length) model.setWeights(bestWeights!);
    const outcome: TrainingOutcome = {
      monitor,
      mode,
      ...(bestEpoch !== undefined ? { bestEpoch } : {}),
      ...(best !== undefined ? { best } : {}),
      evaluatedEpoch: restoredBest ? bestEpoch! : history.length,
      restoredBest,
      epochs: history.length,
      stoppedEarly,
    };
    emit({ type: 'training_end', ...outcome });
    return { history, outcome };
  } finally {
    tf.dispose(bestWeights ?? []);
  }
}

/**
 * One epoch's training batches as tensors (augmented): from memory in a seeded shuffled order, or from a
 * streamed split through a StreamBatcher (chunk-wise shuffling, bounded memory). `random` undefined: in order.
 */
function* trainingBatches(
  split: SplitData | StreamedSplit,
  order: Int32Array,
  inputs: BuiltModel['inputs'],
  batchSize: number,
  numClasses: number,
  random: (() => number) | undefined,
  augment: BatchAugment | undefined,
  streamShuffle: StreamShuffle | undefined,
): Generator<{ xs: tf.Tensor[]; ys: tf.Tensor }> {
  if (isStreamed(split)) {
    const batcher = new StreamBatcher(
      split,
      inputs.map((i) => i.name),
      batchSize,
      streamShuffle,
    );
    for (const batch of batcher.epoch(random)) yield streamBatchTensors(split, inputs, batch, numClasses, augment);
    return;
  }
  const n = split.labels.length;
  if (random) {
    const arr = Array.from(order);
    shuffleInPlace(arr, random);
    order.set(arr);
  }
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    yield { xs: gatherInputs(split, inputs, order, start, end, augment), ys: gatherTargets(split, order, start, end, numClasses) };
  }
}
