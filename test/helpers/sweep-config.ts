/**
 * The sweep the sweep end-to-end tests run (local workers and the Redis queue) on an AV-MNIST subset written by
 * avmnistSubset: tiny image and audio encoders, 2 epochs, a grid over `parameters` (YAML values by key), two
 * trials at a time. `name` is the config's name and its tracking experiment.
 */
export const avmnistSweepConfig = (name: string, parameters: Record<string, string>): string =>
  `name: ${name}
seed: 7
data:
  path: manifest.csv
  split: {column: split}
target: {column: label}
inputs:
  image:
    type: image
    column: image_path
    encoder: {type: cnn, filters: [8], output_dim: 16}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, n_mels: 16, max_duration_s: 0.5}
    encoder: {type: cnn1d, filters: [8], kernel_size: 3, output_dim: 16}
fusion: {type: concat, hidden: [16]}
training:
  epochs: 2
  batch_size: 32
  optimizer: {type: adam, learning_rate: 0.003}
tracking: {uri: runs, experiment: ${name}}
sweep:
  method: grid
  metric: {name: val_accuracy, goal: maximize}
  parallel: 2
  parameters:
${Object.entries(parameters)
  .map(([key, values]) => `    ${key}: {values: ${values}}\n`)
  .join('')}`;
