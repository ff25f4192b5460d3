/**
 * The fusion registry: each fusion method registers its `type` name, its options schema and how it builds
 * the fused vector from the per-modality embeddings. Adding one is adding a file and listing it in `./index.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TObject } from '@sinclair/typebox';
import type { Resolved } from '../../config/schema-kit.js';
import type { LayerContext } from '../layers-context.js';

export interface Embedding {
  /** the input's name under `inputs:` */
  name: string;
  tensor: tf.SymbolicTensor;
}

export interface FusionBuildInput<O> {
  /** one embedding per modality, in the order the inputs are declared */
  embeddings: Embedding[];
  options: O;
  ctx: LayerContext;
}

export interface FusionDefinition<S extends TObject = TObject> {
  type: string;
  schema: S;
  /** build the fused representation, shape [batch, dim], that the head reads */
  build(args: FusionBuildInput<Resolved<S>>): tf.SymbolicTensor;
}

export function defineFusion<S extends TObject>(def: FusionDefinition<S>): FusionDefinition<S> {
  return def;
}

export function findFusion(registry: readonly FusionDefinition[], type: string): FusionDefinition {
  const found = registry.find((f) => f.type === type);
  if (!found) throw new Error(`no fusion named '${type}' (known: ${registry.map((f) => f.type).join(', ')})`);
  return found;
}
