/**
 * A model's outputs as predictions people read: the predicted class (classification: the most probable; binary:
 * the positive class at or above the threshold), the predicted labels (multilabel), or the value in the target's
 * units (regression), with the probability of every class or label — the same numbers as `mmx predict`'s CSV.
 */
import type { TargetState } from '../data/dataset.js';
import type { Prediction } from './types.js';

export type { Prediction } from './types.js';

/** `outputs`: n × output units, row-major; `predicted`: the class index per row (classification, binary). */
export function toPredictions(target: TargetState, outputs: Float32Array, predicted: Int32Array): Prediction[] {
  const n = predicted.length;
  const classes = target.classes;
  const out: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    switch (target.task) {
      case 'regression': {
        const { mean, std } = target.normalization ?? { mean: 0, std: 1 };
        out.push({ prediction: outputs[i]! * std + mean });
        break;
      }
      case 'binary': {
        const p = outputs[i]!;
        out.push({ prediction: classes[predicted[i]!]!, probabilities: { [classes[0]!]: 1 - p, [classes[1]!]: p } });
        break;
      }
      case 'multilabel': {
        const k = classes.length;
        const threshold = target.threshold ?? 0.5;
        const probabilities: Record<string, number> = {};
        const labels: string[] = [];
        classes.forEach((c, j) => {
          const p = outputs[i * k + j]!;
          probabilities[c] = p;
          if (p >= threshold) labels.push(c);
        });
        out.push({ prediction: labels, probabilities });
        break;
      }
      default: {
        const k = classes.length;
        const probabilities: Record<string, number> = {};
        classes.forEach((c, j) => (probabilities[c] = outputs[i * k + j]!));
        out.push({ prediction: classes[predicted[i]!]!, probabilities });
      }
    }
  }
  return out;
}
