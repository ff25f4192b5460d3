/**
 * The bench's token-level variants (issue 17): AV-MNIST with the image as 49 patch tokens (the `patch` encoder, a
 * small ViT) and the audio as 25 frame tokens (`cnn1d` with `output: sequence`), fused by attention over tokens.
 * Kept apart from variants.ts so the two lists change independently; bench/torch_sequence.py is their PyTorch
 * twin (same layers, batch 64, Adam 1e-3). Not in the default run: MMX_BENCH_VARIANTS=tokens,cross_attention,bottleneck.
 */
import path from 'node:path';

export type SequenceVariantName = 'tokens' | 'cross_attention' | 'bottleneck';

const FUSIONS: Record<SequenceVariantName, { fusion: string; title: string }> = {
  tokens: {
    fusion: '{type: transformer, dim: 64, heads: 4, layers: 2, pooling: mean, hidden: [128], dropout: 0.1}',
    title: 'transformer fusion (2 pre-norm blocks) over all 74 tokens',
  },
  cross_attention: {
    fusion: '{type: cross_attention, dim: 64, heads: 4, layers: 2, pooling: mean, hidden: [128], dropout: 0.1}',
    title: 'cross_attention fusion (MulT: image → audio and audio → image, 2 pre-norm blocks each)',
  },
  bottleneck: {
    fusion: '{type: bottleneck, dim: 64, heads: 4, layers: 2, n_bottleneck: 4, pooling: mean, hidden: [128], dropout: 0.1}',
    title: 'bottleneck fusion (2 layers, 4 shared tokens)',
  },
};

const yaml = (name: SequenceVariantName, home: string, epochs: number): string => `
name: bench-${name}
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
    encoder: {type: patch, patch_size: 4, dim: 64, layers: 2, heads: 4, output_dim: 64, output: sequence}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40, window_ms: 25, hop_ms: 10, max_duration_s: 1.0}
    encoder: {type: cnn1d, filters: [32, 64], kernel_size: 5, output_dim: 64, dropout: 0.1, output: sequence}
fusion: ${FUSIONS[name].fusion}
evaluation: {metrics: [accuracy]}
training:
  epochs: ${epochs}
  batch_size: 64
  shuffle: true
  optimizer: {type: adam, learning_rate: 1.0e-3}
tracking: {experiment: bench}
runtime: {backend: wasm}
`;

/** The variants in VariantSpec's shape (bench/variants.ts spreads them into VARIANTS). */
export const SEQUENCE_VARIANTS = Object.fromEntries(
  (Object.keys(FUSIONS) as SequenceVariantName[]).map((name) => [
    name,
    {
      title: `AV-MNIST tokens: image patch encoder (4×4 patches, ViT 2 blocks) + audio cnn1d frames, ${FUSIONS[name].title}, 10 classes`,
      epochs: 2,
      maxTrain: 1280,
      yaml: (home: string) => yaml(name, home, 2),
    },
  ]),
) as Record<SequenceVariantName, { title: string; epochs: number; maxTrain: number; yaml: (home: string) => string }>;
