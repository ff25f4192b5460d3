/**
 * mmx's custom tfjs layers. Importing this module registers every one of them with tf.serialization, so a saved
 * model that uses them loads with tf.loadLayersModel (build.ts imports it).
 */
export { MmxDropout } from './dropout.js';
export { FastGRU } from './fast-gru.js';
export { FastLSTM } from './fast-lstm.js';
export { GatedCombine, gateUnits, type GateMode } from './gated-combine.js';
export { LearnedWeightedAverage } from './learned-weighted-average.js';
export { MfbPool } from './mfb-pool.js';
export { ModalityDropout } from './modality-dropout.js';
export { ModalityTypeEmbedding } from './modality-type-embedding.js';
export { MultiHeadSelfAttention } from './multi-head-attention.js';
export { OuterProduct } from './outer-product.js';
export { RankWeightedSum } from './rank-weighted-sum.js';
