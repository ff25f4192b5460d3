/** Fusion `sum`: Σ_m W_m h_m + b_m over the modalities' projections to `dim` (see elementwise.ts). */
import { elementwiseFusion } from './elementwise.js';

export const sumFusion = elementwiseFusion(
  'sum',
  'add',
  'Project each modality (linear) to dim and add the projections element-wise, then apply the hidden layers.',
);
