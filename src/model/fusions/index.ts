/** Every fusion method mmx knows. Adding one: write its file, list it here. */
import { attentionFusion } from './attention.js';
import { bilinearFusion } from './bilinear.js';
import { bottleneckFusion } from './bottleneck.js';
import { concatFusion } from './concat.js';
import { crossAttentionFusion } from './cross-attention.js';
import { filmFusion } from './film.js';
import { gatedFusion } from './gated.js';
import { lateFusion } from './late.js';
import { lowRankTensorFusion } from './low-rank-tensor.js';
import { maxFusion } from './max.js';
import { meanFusion } from './mean.js';
import { productFusion } from './product.js';
import { validateFusion as validateWith, type FusionDefinition, type FusionIssue } from './registry.js';
import { sumFusion } from './sum.js';
import { tensorFusion } from './tensor.js';
import { transformerFusion } from './transformer.js';

export const fusions = [
  concatFusion,
  sumFusion,
  meanFusion,
  maxFusion,
  productFusion,
  attentionFusion,
  gatedFusion,
  tensorFusion,
  lowRankTensorFusion,
  filmFusion,
  bilinearFusion,
  lateFusion,
  transformerFusion,
  crossAttentionFusion,
  bottleneckFusion,
] as const;

export const fusionRegistry: readonly FusionDefinition[] = fusions as unknown as FusionDefinition[];

/** Names of every fusion method, in the order above. */
export const fusionTypes: readonly string[] = fusionRegistry.map((f) => f.type);

/**
 * Semantic checks of `fusion:` for a config whose inputs are `inputNames` (declaration order): the modality count
 * the method supports and the method's own checks (FiLM names, tensor-fusion size, heads dividing dim, ...).
 * Each issue's `path` starts at the config root, e.g. ['fusion', 'conditioner'].
 */
export function validateFusion(fusion: { type: string }, inputNames: string[]): FusionIssue[] {
  return validateWith(fusionRegistry, fusion, inputNames);
}

export type { FusionIssue };
