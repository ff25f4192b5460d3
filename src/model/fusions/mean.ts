/** Fusion `mean`: the element-wise mean of the modalities' projections to `dim` (see elementwise.ts). */
import { elementwiseFusion } from './elementwise.js';

export const meanFusion = elementwiseFusion(
  'mean',
  'average',
  'Project each modality (linear) to dim and average the projections element-wise, then apply the hidden layers.',
);
