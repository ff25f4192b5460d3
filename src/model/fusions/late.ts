/**
 * Fusion `late`: a classifier per modality — its own hidden MLP (`hidden`, `dropout`, `activation`) and softmax
 * head — and the fused prediction is the average of their class probabilities (`weights: average`) or a learned
 * convex combination, softmax(w)_m with one logit per modality initialised to 0 (`weights: learned`).
 *
 * The loss is the cross-entropy of the fused prediction; with `aux_loss_weight: a > 0` each modality's own
 * prediction adds a·CE_m (the model then has 1 + M outputs for training; prediction reads only the fused one).
 * A masked modality's head sees the missing (zero) embedding and still votes; its vote is then uninformative.
 *
 * Parameters (C classes, h_m,0 = E_m): Σ_m [Σ_j (h_j-1 + 1)·h_j + (h_last + 1)·C] + (M with learned weights).
 * No separate head follows: the fused probabilities are the output.
 *
 * Other tasks: each modality's head is the task's output layer (a sigmoid per label for binary/multilabel, a
 * linear unit for regression) and the fused output is the same (weighted) average of the per-modality outputs
 * — for regression an average of predictions, trained with the regression loss.
 */
import * as tf from '../../tf.js';
import { Type } from '@sinclair/typebox';
import { Default, Enum, Variant } from '../../config/schema-kit.js';
import { classificationHead } from '../heads/classification.js';
import { LearnedWeightedAverage } from '../layers/learned-weighted-average.js';
import { fusionCommonOptions, hiddenCost, hiddenLayers, merge } from './common.js';
import { Cost } from '../size/cost.js';
import { defineFusion } from './registry.js';

const schema = Variant(
  'late',
  {
    weights: Default(
      Enum(['average', 'learned'], {
        description: 'how the per-modality predictions are combined: plain average, or learned softmax weights',
      }),
      'average',
    ),
    aux_loss_weight: Default(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: "weight of each modality's own cross-entropy added to the loss of the fused prediction (0: none)",
      }),
      0,
    ),
    ...fusionCommonOptions,
  },
  {
    title: 'late fusion',
    description: 'A classifier per modality (hidden layers + softmax); their predictions are averaged or combined with learned weights.',
  },
);

export const lateFusion = defineFusion<typeof schema>({
  type: 'late',
  schema,
  build: ({ embeddings, options, ctx, numClasses, head }) => {
    const heads = embeddings.map((e) => {
      const sub = ctx.child(e.name);
      const h = hiddenLayers(e.tensor, options, sub);
      return { name: e.name, probabilities: head ? head(h, sub) : classificationHead(h, numClasses, sub) };
    });
    const probs = heads.map((h) => h.probabilities);
    const fused =
      probs.length === 1
        ? probs[0]!
        : options.weights === 'learned'
          ? (new LearnedWeightedAverage({ name: ctx.name('late_weights') }).apply(probs) as tf.SymbolicTensor)
          : merge('average', probs, ctx);
    const auxiliary =
      options.aux_loss_weight > 0 && heads.length > 1
        ? heads.map((h) => ({ name: h.name, probabilities: h.probabilities, weight: options.aux_loss_weight }))
        : [];
    return { probabilities: fused, auxiliary };
  },
  estimate: ({ embeddings, options, outputUnits }) => {
    const cost = new Cost();
    for (const e of embeddings) cost.dense([], hiddenCost(cost, e.dim, options), outputUnits);
    if (embeddings.length > 1) cost.add(['weights'], 'combination', options.weights === 'learned' ? embeddings.length : 0, outputUnits);
    return { outputDim: outputUnits, parts: cost.parts, includesHead: true };
  },
});
