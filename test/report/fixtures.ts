/** Realistic run data for the report tests (and for looking at the plots by hand). */
import type { ReportEpoch, ReportEvaluation, RunReportInput } from '../../src/report/types.js';

/** a small deterministic PRNG so the fixtures never change */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

export function sampleHistory(epochs = 15, seed = 7): ReportEpoch[] {
  const r = lcg(seed);
  const out: ReportEpoch[] = [];
  for (let e = 1; e <= epochs; e++) {
    const t = e / epochs;
    const trainLoss = 1.6 * Math.exp(-4.2 * t) + 0.02 + 0.01 * r();
    const valLoss = 1.2 * Math.exp(-3.6 * t) + 0.06 + 0.05 * Math.max(0, t - 0.6) + 0.015 * r();
    const trainAcc = Math.min(0.999, 1 - 0.55 * Math.exp(-4.5 * t) - 0.004 * r());
    const valAcc = Math.min(0.995, 1 - 0.5 * Math.exp(-4 * t) - 0.03 - 0.01 * r());
    out.push({
      epoch: e,
      metrics: {
        train_loss: trainLoss,
        train_accuracy: trainAcc,
        val_loss: valLoss,
        val_accuracy: valAcc,
        val_macro_f1: valAcc - 0.004 - 0.004 * r(),
      },
    });
  }
  return out;
}

export function sampleEvaluation(labels: string[], perClass = 30, seed = 3): ReportEvaluation {
  const r = lcg(seed);
  const n = labels.length;
  const confusion = labels.map((_, i) => {
    const row = new Array<number>(n).fill(0);
    const support = perClass + Math.floor(r() * perClass * 0.6);
    for (let k = 0; k < support; k++) {
      const u = r();
      const j = u < 0.88 ? i : u < 0.95 ? (i + 1) % n : Math.floor(r() * n);
      row[j]! += 1;
    }
    return row;
  });
  const perClassScores = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = labels.reduce((a, _, i) => a + confusion[i]![i]!, 0);
  return {
    split: 'test',
    metrics: {
      loss: 0.1873,
      accuracy: correct / total,
      macro_f1: perClassScores.reduce((a, p) => a + p.f1, 0) / n,
    },
    perClass: perClassScores,
    labels,
    confusion,
  };
}

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const THIRTY = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
  'apple',
  'aquarium_fish',
  'baby',
  'bear',
  'beaver',
  'bed',
  'bee',
  'beetle',
  'bicycle',
  'bottle',
  'bowl',
  'boy',
  'bridge',
  'bus',
  'butterfly',
  'camel',
  'can',
  'castle',
  'caterpillar',
  'cattle',
];

export const CONFIG_YAML = `name: avmnist-concat
seed: 42
data:
  path: /data/avmnist/manifest.csv
  split: {column: split}
target: {column: label, task: classification}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: 28, width: 28, channels: 1}
    encoder: {type: cnn, filters: [16, 32], kernel_size: 3, output_dim: 128, dropout: 0.25}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40}
    encoder: {type: cnn1d, filters: [32, 64], kernel_size: 5, output_dim: 128, dropout: 0.25}
fusion: {type: concat, hidden: [128], dropout: 0.3}
training:
  epochs: 15
  batch_size: 64
tracking: {experiment: avmnist, tags: {note: "<script>alert('x')</script>"}}
`;

export function sampleInput(overrides: Partial<RunReportInput> = {}): RunReportInput {
  return {
    run: {
      name: 'avmnist-concat',
      id: '11665ca4f07a4a6ba1555d159cd17086',
      experiment: 'avmnist',
      status: 'FINISHED',
      startTime: Date.UTC(2025, 0, 2, 10, 30),
      durationSeconds: 103.4,
    },
    history: sampleHistory(),
    outcome: { monitor: 'val_loss', bestEpoch: 12, best: sampleHistory()[11]!.metrics.val_loss!, evaluatedEpoch: 12, stoppedEarly: false },
    test: sampleEvaluation(DIGITS),
    configYaml: CONFIG_YAML,
    summary: {
      experiment: 'avmnist',
      configPath: 'configs/avmnist.yaml',
      task: 'classification',
      classes: DIGITS,
      modalities: [
        { name: 'image', modality: 'image', encoder: 'cnn', featureShape: [28, 28, 1], embeddingDim: 128 },
        { name: 'speech', modality: 'audio', encoder: 'cnn1d', featureShape: [101, 40], embeddingDim: 128 },
      ],
      fusion: 'concat',
      backend: 'wasm (tfjs-backend-wasm 4.22.0, SIMD, 1 thread)',
      data: { train: 2400, validation: 300, test: 300 },
      parameters: 1234567,
      epochs: 15,
      batchSize: 64,
    },
    ...overrides,
  };
}
