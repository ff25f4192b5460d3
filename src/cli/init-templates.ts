/**
 * The starter configs `mmx init --template NAME` writes, one per modality mix. Each runs as written on the
 * built-in data set it names (downloaded on first use, or found in MMX_DATA_HOME), and says how to point it at
 * one's own manifest instead. The `$schema` line is added by `mmx init` (a path relative to the written file).
 */

export interface InitTemplate {
  name: string;
  /** one line for `mmx init --help` */
  summary: string;
  /** the built-in data set it runs on */
  dataset: string;
  body: string;
}

export const initTemplates: readonly InitTemplate[] = [
  {
    name: 'image-audio',
    summary: 'an image and an audio file per row (built-in data set avmnist: a digit drawn and spoken)',
    dataset: 'avmnist',
    body: `# A starter experiment: an image and an audio file per row, one encoder each, concatenation fusion.
# It runs as is on the built-in data set avmnist (a handwritten digit and a recording of the same digit spoken).
# Your own data: data: {path: my/manifest.csv, split: {column: split}} (csv | tsv | jsonl, relative to this
# file; file paths in it relative to the manifest), and your columns below.
# Check it with \`mmx validate FILE\`, run it with \`mmx run FILE\`.
name: my-image-audio
seed: 42
data:
  dataset: avmnist                  # its split column is used; with path: add split: {column: NAME} or {ratios: ...}
target: {column: label, task: classification}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: 28, width: 28, channels: 1}
    encoder: {type: cnn, filters: [16, 32], output_dim: 128, dropout: 0.25}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [32, 64], output_dim: 128, dropout: 0.25}
fusion: {type: concat, hidden: [128], dropout: 0.3}   # or gated, attention, tensor, ... (README: Fusion methods)
training:
  epochs: 12
  batch_size: 64
  optimizer: {type: adam, learning_rate: 1.0e-3}
  early_stopping: {monitor: val_loss, patience: 3, restore_best: true}
evaluation: {metrics: [accuracy, macro_f1]}
tracking: {experiment: my-image-audio}
`,
  },
  {
    name: 'text',
    summary: 'a text per row (built-in data set sms_spam: spam or not)',
    dataset: 'sms_spam',
    body: `# A starter experiment: one text per row, a binary label (here: is an SMS spam?).
# It runs as is on the built-in data set sms_spam. A single input needs no fusion: its embedding goes to the head.
# Your own data: data: {path: my/manifest.csv, split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}}}
# (csv | tsv | jsonl, relative to this file), and your columns below.
# Check it with \`mmx validate FILE\`, run it with \`mmx run FILE\`.
name: my-text
seed: 42
data:
  dataset: sms_spam                 # its split column is used; with path: add split: {column: NAME} or {ratios: ...}
target: {column: label, task: binary, positive_class: spam}
inputs:
  text:
    type: text
    column: text
    preprocessing: {tokenizer: word, vocab_size: 8000, max_length: 64}
    encoder: {type: cnn, embedding_dim: 48, kernel_sizes: [2, 3, 4], filters: 32, output_dim: 64, dropout: 0.3}
training:
  epochs: 8
  batch_size: 64
  optimizer: {type: adam, learning_rate: 2.0e-3}
  early_stopping: {monitor: val_loss, patience: 2, restore_best: true}
evaluation: {metrics: [accuracy, precision, recall, f1, roc_auc]}
tracking: {experiment: my-text}
`,
  },
  {
    name: 'tabular',
    summary: 'numbers and categories per row (built-in data set penguins: the species)',
    dataset: 'penguins',
    body: `# A starter experiment: numeric and categorical columns per row (here: a penguin's species from its
# measurements, island and sex; some values are missing). It runs as is on the built-in data set penguins.
# Your own data: data: {path: my/manifest.csv, split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}, stratify: true}}
# (csv | tsv | jsonl, relative to this file), and your columns below.
# Check it with \`mmx validate FILE\`, run it with \`mmx run FILE\`.
name: my-tabular
seed: 42
data:
  dataset: penguins                 # its split column is used; with path: add split: {column: NAME} or {ratios: ...}
target: {column: label, task: classification}
inputs:
  measurements:
    type: numeric
    columns: [bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g]
    preprocessing: {normalize: standard, missing: median, missing_indicator: true}
    encoder: {type: dense, layers: [32], output_dim: 32}
  island:
    type: categorical
    column: island
    encoder: {type: embedding, dim: 4}
  sex:
    type: categorical
    column: sex                     # empty cells are the reserved "missing" category
    encoder: {type: onehot}
fusion: {type: concat, hidden: [32], dropout: 0.1}
training:
  epochs: 60
  batch_size: 16
  optimizer: {type: adam, learning_rate: 5.0e-3}
  early_stopping: {monitor: val_loss, patience: 10, restore_best: true}
evaluation: {metrics: [accuracy, macro_f1]}
tracking: {experiment: my-tabular}
`,
  },
];

export const DEFAULT_TEMPLATE = 'image-audio';
