/** Fusion `max`: the element-wise maximum of the modalities' projections to `dim` (see elementwise.ts). */
import { elementwiseFusion } from './elementwise.js';

export const maxFusion = elementwiseFusion(
  'max',
  'maximum',
  'Project each modality (linear) to dim and take the element-wise maximum, then apply the hidden layers.',
);
