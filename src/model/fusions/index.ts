/** Every fusion method mmx knows. Adding one: write its file, list it here. */
import { concatFusion } from './concat.js';
import type { FusionDefinition } from './registry.js';

export const fusions = [concatFusion] as const;

export const fusionRegistry: readonly FusionDefinition[] = fusions as unknown as FusionDefinition[];
