/**
 * `import 'mmx-ml/layers'`: registers mmx's custom tfjs layers with tfjs's serialisation registry, so that
 * `tf.loadLayersModel` loads an mmx model whose MLmodel lists `custom_layers` (fusion layers, text attention, ...).
 * Importing it does nothing else: no backend is chosen, no file is read, nothing is printed. A model whose
 * `custom_layers` is empty loads with @tensorflow/tfjs alone.
 *
 * The layers register with the @tensorflow/tfjs your project resolves; keep it in mmx's range (^4.22) so that npm
 * installs one copy.
 */
import * as encoderLayers from './model/encoders/layers.js';
import * as fusionLayers from './model/layers/index.js';

export { LayerNorm, MaskedPooling, MaskedSelfAttention, OneHot, PositionEmbedding } from './model/encoders/layers.js';
export {
  FastGRU,
  FastLSTM,
  GatedCombine,
  LearnedWeightedAverage,
  MfbPool,
  ModalityDropout,
  ModalityTypeEmbedding,
  MultiHeadSelfAttention,
  OuterProduct,
  RankWeightedSum,
} from './model/layers/index.js';

/** The class names registered (as they appear in a saved model.json), sorted. */
export const MMX_LAYER_CLASSES: readonly string[] = [...Object.values(encoderLayers), ...Object.values(fusionLayers)]
  .flatMap((v) => (typeof v === 'function' && 'className' in v && typeof v.className === 'string' ? [v.className] : []))
  .sort();
