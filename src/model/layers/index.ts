/**
 * mmx's custom tfjs layers. Importing this module registers every one of them with tf.serialization, so a saved
 * model that uses them loads with tf.loadLayersModel (build.ts imports it).
 */
export { BottleneckMerge } from './bottleneck-merge.js';
export { MmxDropout } from './dropout.js';
export { FastGRU } from './fast-gru.js';
export { FastLSTM } from './fast-lstm.js';
export { FeatureTokenizer } from './feature-tokenizer.js';
export { GatedCombine, gateUnits, type GateMode } from './gated-combine.js';
export { LatentTokens } from './latent-tokens.js';
export { LayerNorm } from './layer-norm.js';
export { LearnedWeightedAverage } from './learned-weighted-average.js';
export { LegacyMaskedSelfAttention, LegacyMultiHeadSelfAttention } from './legacy-attention.js';
export { MaskPad } from './mask-pad.js';
export { MaskedPooling } from './masked-pooling.js';
export { MfbPool } from './mfb-pool.js';
export { ModalityDropout } from './modality-dropout.js';
export { ModalityTokenGate } from './modality-token-gate.js';
export { ModalityTypeEmbedding } from './modality-type-embedding.js';
export { MultiHeadAttention } from './multi-head-attention.js';
export { OneHot } from './one-hot.js';
export { OuterProduct } from './outer-product.js';
export { PositionEmbedding } from './position-embedding.js';
export { RankWeightedSum } from './rank-weighted-sum.js';
export { TokenSlice } from './token-slice.js';
