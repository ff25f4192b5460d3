/**
 * A scripted run for the UI tests: the events a short AV-MNIST-like run emits, each with the
 * milliseconds that pass before it, so ETAs and durations come out the same every time.
 */
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type { EvaluationResult, RunEvent, RunSummary } from '../../../src/core/run-events.js';

export const summary: RunSummary = {
  name: 'avmnist-gated',
  experiment: 'avmnist',
  configPath: 'configs/avmnist.yaml',
  task: 'classification',
  classes: ['0', '1', '2'],
  modalities: [
    { name: 'image', modality: 'image', encoder: 'cnn', featureShape: [28, 28, 1], embeddingDim: 128 },
    { name: 'speech', modality: 'audio', encoder: 'cnn1d', featureShape: [40, 32], embeddingDim: 128 },
  ],
  fusion: 'gated',
  backend: 'wasm',
  data: { train: 6000, validation: 1000, test: 1000 },
  parameters: 1234567,
  epochs: 20,
  batchSize: 64,
  trackingUri: './runs',
  runId: '4f1c9e2a7b3d4c8e9f0a1b2c3d4e5f60',
};

export const evaluation: EvaluationResult = {
  split: 'test',
  metrics: { accuracy: 0.912, macro_f1: 0.9087 },
  perClass: [
    { label: '0', precision: 0.951, recall: 0.97, f1: 0.9604, support: 334 },
    { label: '1', precision: 0.9, recall: 0.88, f1: 0.8899, support: 333 },
    { label: '2', precision: 0.885, recall: 0.886, f1: 0.8855, support: 333 },
  ],
  labels: ['0', '1', '2'],
  confusion: [
    [324, 6, 4],
    [9, 293, 31],
    [8, 30, 295],
  ],
};

export type Step = [delayMs: number, event: RunEvent];

const epochMetrics = [
  { train_loss: 0.9123, train_accuracy: 0.6712, val_loss: 0.6021, val_accuracy: 0.7903 },
  { train_loss: 0.5012, train_accuracy: 0.8304, val_loss: 0.4122, val_accuracy: 0.8661 },
  { train_loss: 0.412, train_accuracy: 0.871, val_loss: 0.3881, val_accuracy: 0.8842 },
  { train_loss: 0.3511, train_accuracy: 0.8893, val_loss: 0.3912, val_accuracy: 0.8801 },
  { train_loss: 0.3102, train_accuracy: 0.9011, val_loss: 0.3957, val_accuracy: 0.8795 },
];

/** Epochs `from..to` of an `epochs`-epoch run (default 20), 10 batches each, 100 ms per batch. */
export function epochSteps(from: number, to: number, bestEpochs: readonly number[] = [1, 2, 3], epochs = 20): Step[] {
  const steps: Step[] = [];
  for (let epoch = from; epoch <= to; epoch++) {
    steps.push([0, { type: 'epoch_start', epoch, epochs, batches: 10 }]);
    for (let batch = 1; batch <= 10; batch++) {
      steps.push([
        100,
        { type: 'batch', epoch, batch, batches: 10, loss: 1 / (epoch + batch / 10), accuracy: 0.5 + epoch / 50, samplesPerSec: 640 },
      ]);
    }
    const metrics = epochMetrics[(epoch - 1) % epochMetrics.length] ?? {};
    steps.push([0, { type: 'epoch_end', epoch, epochs, metrics, samplesPerSec: 612.4, seconds: 1.04, best: bestEpochs.includes(epoch) }]);
  }
  return steps;
}

export const preamble: Step[] = [
  [0, { type: 'phase', phase: 'loading', detail: 'data/avmnist/manifest.csv' }],
  ...Array.from({ length: 13 }, (_, i): Step => [20, { type: 'data_progress', done: i * 50, total: 600, detail: 'decoding images' }]),
  [0, { type: 'log', level: 'warn', message: '12 rows have no audio_path; they were dropped' }],
  [0, { type: 'phase', phase: 'preprocessing' }],
  [50, { type: 'start', summary }],
  [10, { type: 'phase', phase: 'building' }],
  [10, { type: 'phase', phase: 'training', detail: '20 epochs' }],
];

export const ending: Step[] = [
  [0, { type: 'early_stop', epoch: 5, bestEpoch: 3, monitor: 'val_loss', best: 0.3881 }],
  ...trainingEnd({ bestEpoch: 3, evaluatedEpoch: 3, epochs: 5, stoppedEarly: true, restoredBest: true }),
  [0, { type: 'phase', phase: 'evaluating' }],
  [300, { type: 'evaluation', result: evaluation }],
  [0, { type: 'phase', phase: 'logging' }],
  [
    200,
    {
      type: 'end',
      status: 'FINISHED',
      runId: summary.runId,
      experimentId: '1',
      artifactDir: 'runs/1/4f1c9e2a7b3d4c8e9f0a1b2c3d4e5f60/artifacts',
      trackingUri: './runs',
      seconds: 72.4,
    },
  ],
];

/** The trainer's verdict on a run whose monitored val_loss was best at `bestEpoch` (0.3881). */
export function trainingEnd(o: {
  bestEpoch: number;
  evaluatedEpoch: number;
  epochs: number;
  stoppedEarly: boolean;
  restoredBest: boolean;
}): Step[] {
  return [[0, { type: 'training_end', monitor: 'val_loss', mode: 'min', best: 0.3881, ...o }]];
}

/** A run of `epochs` epochs without early stopping: the last epoch's weights are evaluated. */
export function longRun(epochs: number): Step[] {
  return [
    ...preamble,
    ...epochSteps(1, epochs, [1, 2, 3], epochs),
    ...trainingEnd({ bestEpoch: 3, evaluatedEpoch: epochs, epochs, stoppedEarly: false, restoredBest: false }),
    ...ending.slice(2),
  ];
}

/** The whole scripted run: loading, 5 epochs with early stopping, evaluation, end. */
export const fullRun: Step[] = [...preamble, ...epochSteps(1, 5), ...ending];

/** A clock the script moves forward. */
export function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

export function play(steps: readonly Step[], emit: (e: RunEvent) => void, clock?: { advance: (ms: number) => void }): void {
  for (const [delay, event] of steps) {
    clock?.advance(delay);
    emit(event);
  }
}

/** What a person reads: the text without colours or cursor movement. */
export function visible(text: string | undefined): string {
  return stripVTControlCharacters(text ?? '');
}

/** A real writable stream that remembers what was written; `tty` makes it look like a terminal. */
export class Capture extends Writable {
  readonly chunks: string[] = [];
  isTTY: boolean;
  columns = 100;
  rows = 60;
  constructor(options: { tty?: boolean } = {}) {
    super({ decodeStrings: false });
    this.isTTY = options.tty ?? false;
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    callback();
  }
  get text(): string {
    return this.chunks.join('');
  }
}
