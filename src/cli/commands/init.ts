/** `mmx init [FILE]`: writes a starter config (AV-MNIST-style image + audio) to edit. */
import { existsSync, writeFileSync } from 'node:fs';
import { UsageError } from '../user-errors.js';

const STARTER = `# yaml-language-server: $schema=https://mmx.dev/schemas/experiment.schema.json
# A starter experiment: an image and an audio file per row, one encoder each, concatenation fusion.
# Check it with \`mmx validate FILE\`, run it with \`mmx run FILE\`.
name: my-experiment
seed: 42
data:
  path: data/manifest.csv            # csv | tsv | jsonl; relative to this file
  split: {column: split}             # or {ratios: {train: 0.8, validation: 0.1, test: 0.1}, stratify: true}
target: {column: label, task: classification}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: 28, width: 28, channels: 1}
    encoder: {type: cnn, filters: [32, 64], output_dim: 128, dropout: 0.25}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, n_mels: 40, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [64, 128], output_dim: 128, dropout: 0.25}
fusion: {type: concat, hidden: [128], dropout: 0.3}
training:
  epochs: 15
  batch_size: 64
  optimizer: {type: adam, learning_rate: 1.0e-3}
  early_stopping: {monitor: val_loss, patience: 3, restore_best: true}
evaluation: {metrics: [accuracy, macro_f1]}
tracking: {experiment: my-experiment}
`;

export function initCommand(file: string, opts: { force?: boolean }, io: { stdout: NodeJS.WritableStream }): number {
  if (existsSync(file) && !opts.force) throw new UsageError(`${file} already exists (use --force to overwrite)`);
  writeFileSync(file, STARTER);
  io.stdout.write(`wrote ${file}; edit data.path and the columns, then: mmx validate ${file}\n`);
  return 0;
}

export const starterConfig = STARTER;
