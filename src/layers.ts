/**
 * `import 'mmx-ml/layers'`: registers mmx's custom tfjs layers with tfjs's serialisation registry, so that
 * `tf.loadLayersModel` loads an mmx model whose MLmodel lists `custom_layers` (fusion layers, attention, ...).
 * Importing it does nothing else: no backend is chosen, no file is read, nothing is printed. A model whose
 * `custom_layers` is empty loads with @tensorflow/tfjs alone.
 *
 * The layers register with the @tensorflow/tfjs your project resolves; keep it in mmx's range (^4.22) so that npm
 * installs one copy.
 */
import * as layers from './model/layers/index.js';

export {
  BottleneckMerge,
  FastGRU,
  FastLSTM,
  FeatureTokenizer,
  GatedCombine,
  LatentTokens,
  LayerNorm,
  LearnedWeightedAverage,
  LegacyMaskedSelfAttention,
  LegacyMultiHeadSelfAttention,
  MaskPad,
  MaskedPooling,
  MfbPool,
  MmxDropout,
  ModalityDropout,
  ModalityTokenGate,
  ModalityTypeEmbedding,
  MultiHeadAttention,
  OneHot,
  OuterProduct,
  PositionEmbedding,
  RankWeightedSum,
  TokenSlice,
} from './model/layers/index.js';

/** The class names registered (as they appear in a saved model.json), sorted. */
export const MMX_LAYER_CLASSES: readonly string[] = Object.values(layers)
  .flatMap((v) => (typeof v === 'function' && 'className' in v && typeof v.className === 'string' ? [v.className] : []))
  .sort();
