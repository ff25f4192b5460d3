/**
 * The bench's models, as mmx configs generated at run time (data paths under MMX_DATA_HOME). Keep
 * bench/torch_reference.py in step with these: same layers, same batch, same optimiser.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SEQUENCE_VARIANTS, type SequenceVariantName } from './sequence-variants.js';

export type VariantName = 'reference' | 'lstm' | SequenceVariantName;

export interface VariantSpec {
  title: string;
  /** epochs trained (the first is warm-up: kernels compiled, memory grown) */
  epochs: number;
  /** train on the first N training examples only (fewer batches per epoch); undefined: all */
  maxTrain?: number;
  yaml: (dataHome: string) => string;
}

const common = (epochs: number) => `
training:
  epochs: ${epochs}
  batch_size: 64
  shuffle: true
  optimizer: {type: adam, learning_rate: 1.0e-3}
tracking: {experiment: bench}
runtime: {backend: wasm}
`;

export const VARIANTS: Record<VariantName, VariantSpec> = {
  // configs/avmnist.yaml plus a text input. AV-MNIST has no text column; the reference model of issue 7 has a
  // text embedding, so the text input is the recording's speaker name (column fsdd_speaker: one word, padded
  // to 8 tokens) through an embedding_bag encoder. It carries no information about the digit.
  reference: {
    title: 'AV-MNIST reference: image CNN + audio Conv1D + text embedding_bag, concat [128], 10 classes',
    epochs: 3,
    yaml: (home) => `
name: bench-reference
seed: 42
data:
  path: ${JSON.stringify(path.join(home, 'avmnist', 'manifest.csv'))}
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
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40, window_ms: 25, hop_ms: 10, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [32, 64], kernel_size: 5, output_dim: 128, dropout: 0.25}
  speaker:
    type: text
    column: fsdd_speaker
    preprocessing: {tokenizer: word, max_length: 8, min_freq: 1}
    encoder: {type: embedding_bag, embedding_dim: 32, output_dim: 32, dropout: 0.0}
fusion: {type: concat, hidden: [128], dropout: 0.3}
evaluation: {metrics: [accuracy]}
${common(3)}`,
  },
  // the LSTM text encoder variant: SMS Spam Collection, word tokens (max 64), embedding 48, LSTM 64, binary
  lstm: {
    title: 'SMS spam, LSTM text encoder: embedding 48 + LSTM 64 + dense 64, concat [32], binary',
    epochs: 2,
    maxTrain: 1280,
    yaml: (home) => `
name: bench-lstm
seed: 42
data:
  path: ${JSON.stringify(path.join(home, 'sms_spam', 'manifest.csv'))}
  split: {column: split}
target: {column: label, task: binary, positive_class: spam, threshold: 0.5}
inputs:
  text:
    type: text
    column: text
    preprocessing: {tokenizer: word, vocab_size: 8000, min_freq: 2, max_length: 64}
    encoder: {type: lstm, embedding_dim: 48, units: 64, output_dim: 64, dropout: 0.0}
fusion: {type: concat, hidden: [32], dropout: 0.2}
evaluation: {metrics: [accuracy]}
${common(2)}`,
  },
  // token-level fusion (issue 17): bench/sequence-variants.ts
  ...SEQUENCE_VARIANTS,
};

/** Writes the variant's config into `dir` and returns its path. */
export function writeVariantConfig(variant: VariantName, dataHome: string, dir: string): string {
  const file = path.join(dir, `${variant}.yaml`);
  writeFileSync(file, VARIANTS[variant].yaml(dataHome));
  return file;
}
