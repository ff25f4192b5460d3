/**
 * Fusion `product`: the element-wise (Hadamard) product of the modalities' linear projections to `dim` (see
 * elementwise.ts): a multiplicative interaction of every modality with every other. Needs at least two modalities.
 */
import { elementwiseFusion } from './elementwise.js';

export const productFusion = elementwiseFusion(
  'product',
  'multiply',
  'Project each modality (linear) to dim and multiply the projections element-wise (Hadamard product), then apply the hidden layers. Needs two or more modalities.',
  2,
);
