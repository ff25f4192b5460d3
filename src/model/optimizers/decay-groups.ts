/**
 * Which trainable weights weight decay applies to. Common practice (timm, Hugging Face's trainers) leaves out
 * biases and normalisation parameters: decaying a LayerNorm's scale towards 0 or a bias towards 0 only hurts.
 * Each trainable weight of a model gets one group, decided from its layer and its shape (not its name, which
 * custom layers spell as they like):
 *  - `normalization`: every weight of a normalisation layer (BatchNormalization, LayerNormalization, mmx's LayerNorm);
 *  - `embedding`: every weight of an embedding layer (token, position, modality-type embeddings);
 *  - `bias`: any other weight with one dimension or none (biases, learned tokens, mixing logits);
 *  - `weight`: the rest (dense and convolution kernels, recurrent kernels, attention projections).
 * `training.optimizer.weight_decay_exclude` names the groups left out (default: bias and normalization).
 */
import * as tf from '../../tf.js';

export const DECAY_GROUPS = ['bias', 'normalization', 'embedding'] as const;
export type DecayGroup = (typeof DECAY_GROUPS)[number] | 'weight';

function groupOf(layer: tf.layers.Layer, shape: readonly (number | null)[]): DecayGroup {
  const cls = layer.getClassName();
  if (/norm/i.test(cls)) return 'normalization';
  if (/embedding/i.test(cls)) return 'embedding';
  return shape.length <= 1 ? 'bias' : 'weight';
}

/** Every trainable weight of `model` (nested models included) with its group, keyed by the variable's name. */
export function weightGroups(model: tf.LayersModel): Map<string, { group: DecayGroup; size: number }> {
  const out = new Map<string, { group: DecayGroup; size: number }>();
  const visit = (layers: readonly tf.layers.Layer[]): void => {
    for (const layer of layers) {
      if (layer instanceof tf.LayersModel) {
        visit(layer.layers);
        continue;
      }
      for (const w of layer.trainableWeights) {
        if (!out.has(w.name)) out.set(w.name, { group: groupOf(layer, w.shape), size: w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) });
      }
    }
  };
  visit(model.layers);
  return out;
}

export interface DecayPlan {
  /** whether the variable of this name is decayed (a name the model does not have: decayed) */
  decays: (variable: string) => boolean;
  /** per group: weights and parameters decayed or left out (for a log line) */
  summary: string;
}

/** The decay plan for `model` with the groups `exclude` left out. */
export function decayPlan(model: tf.LayersModel, exclude: readonly DecayGroup[]): DecayPlan {
  const groups = weightGroups(model);
  const left = new Set<string>();
  const count = { decayed: { weights: 0, params: 0 }, excluded: new Map<DecayGroup, { weights: number; params: number }>() };
  for (const [name, { group, size }] of groups) {
    if (exclude.includes(group)) {
      left.add(name);
      const c = count.excluded.get(group) ?? { weights: 0, params: 0 };
      c.weights += 1;
      c.params += size;
      count.excluded.set(group, c);
    } else {
      count.decayed.weights += 1;
      count.decayed.params += size;
    }
  }
  const n = (x: number): string => x.toLocaleString('en-US');
  const out = [...count.excluded].map(([g, c]) => `${n(c.weights)} ${g} (${n(c.params)} parameters)`);
  const summary =
    `${n(count.decayed.weights)} weights (${n(count.decayed.params)} parameters) decayed` +
    (out.length ? `; left out: ${out.join(', ')}` : '');
  return { decays: (variable) => !left.has(variable), summary };
}
