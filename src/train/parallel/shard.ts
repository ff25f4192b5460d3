/**
 * The loss, metrics and gradients of one shard of a batch, computed exactly as tfjs-layers' `trainOnBatch`
 * computes them for a whole batch (`LayersModel.makeTrainFunction`, tfjs-layers 4.22), minus the optimiser:
 *
 *   per output i: loss_i = lossFunctions[i](y, out_i)            (per example; auxiliary weights are inside)
 *   total        = mean_examples(Σ_i loss_i) + Σ regularisation losses
 *   values       = [total, mean(loss_0), …, mean(loss_k) (multi-output only), mean(metric_j(y, out))…]
 *   gradients    = ∂total/∂w over the compiled trainable weights (tf.variableGrads, as Optimizer.minimize)
 *
 * Every value is a mean over the shard's examples (plus the regulariser, which does not depend on them), so the
 * shard-size-weighted sum of shard values and gradients equals the whole batch's — the data-parallel step relies
 * on that. Runs the graph in training mode, so dropout and BatchNormalization behave as in trainOnBatch.
 */
import * as tf from '../../tf.js';

type LossOrMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** The parts of a compiled LayersModel that trainOnBatch uses (public at runtime, some not in the typings). */
interface Compiled {
  lossFunctions: LossOrMetric[];
  metricsTensors: Array<[LossOrMetric, number]>;
  collectedTrainableWeights?: tf.LayerVariable[];
  calculateLosses(): tf.Scalar[];
}

export interface ShardResult {
  /** gradient per variable name, in the trainable-weight order; null where the loss does not depend on it */
  grads: Record<string, tf.Tensor | null>;
  /** the variables, in the same order (compiled trainable weights) */
  variables: tf.Variable[];
  /** [total loss, per-output losses (multi-output), metrics] — what trainOnBatch returns, as scalars */
  values: tf.Scalar[];
}

function compiled(model: tf.LayersModel): Compiled {
  const m = model as unknown as Partial<Compiled>;
  if (!m.lossFunctions || !m.metricsTensors || !model.optimizer) throw new Error(`model ${model.name} must be compiled before training`);
  return m as Compiled;
}

/** The variables trainOnBatch differentiates: the trainable weights as of compile time. */
export function trainableVariables(model: tf.LayersModel): tf.LayerVariable[] {
  return compiled(model).collectedTrainableWeights ?? model.trainableWeights;
}

/**
 * Loss, metrics and gradients for one shard; `ys` is fed to every output (as the local step does).
 * The caller disposes the returned tensors.
 */
export function shardGradients(model: tf.LayersModel, xs: tf.Tensor[], ys: tf.Tensor): ShardResult {
  const c = compiled(model);
  const nOut = model.outputs.length;
  const metricsValues: tf.Scalar[] = [];
  const totalLoss = (): tf.Scalar => {
    const out = model.apply(xs, { training: true }) as tf.Tensor | tf.Tensor[];
    const outputs = Array.isArray(out) ? out : [out];
    const lossValues: tf.Scalar[] = [];
    let total: tf.Tensor | undefined;
    for (let i = 0; i < c.lossFunctions.length; i++) {
      const loss = c.lossFunctions[i]!(ys, outputs[i]!);
      lossValues.push(tf.mean(loss) as tf.Scalar);
      total = total === undefined ? loss : tf.add(total, loss);
    }
    for (let i = 0; i < c.metricsTensors.length; i++) {
      let value: tf.Scalar;
      if (nOut > 1 && i < nOut) value = lossValues[i]!;
      else {
        const [metric, outputIndex] = c.metricsTensors[i]!;
        value = tf.mean(metric(ys, outputs[outputIndex]!)) as tf.Scalar;
      }
      metricsValues.push(tf.keep(value));
    }
    let mean = tf.mean(total!) as tf.Scalar;
    for (const reg of c.calculateLosses()) mean = tf.add(mean, reg);
    return mean;
  };
  const variables = trainableVariables(model).map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(totalLoss, variables);
  return { grads: grads as Record<string, tf.Tensor | null>, variables, values: [value, ...metricsValues] };
}
