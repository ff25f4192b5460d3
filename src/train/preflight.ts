/**
 * Before the first real batch, compute one set of gradients on two zero examples: a kernel the backend
 * lacks then fails here, with a message saying what to do, instead of mid-run.
 */
import * as tf from '../tf.js';
import type { BuiltModel } from '../model/build.js';
import { taskLoss } from '../model/heads/tasks.js';

export class BackendKernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendKernelError';
  }
}

export function preflightTraining(built: BuiltModel, backend: string): void {
  try {
    tf.tidy(() => {
      const xs = built.inputs.map((i) => tf.zeros([2, ...i.shape]));
      const out = built.model.outputs[0]!.shape;
      const classes = out[out.length - 1] ?? 1;
      // targets of the task's shape: two different classes, else zeros (0/1 labels, a standardised value)
      const ys =
        built.target.task === 'classification' && classes >= 2
          ? tf.oneHot(tf.tensor1d([0, 1], 'int32'), classes).toFloat()
          : tf.zeros([2, classes]);
      const loss = taskLoss(built.target);
      const { grads } = tf.variableGrads(() => {
        const p = built.model.apply(xs.length === 1 ? xs[0]! : xs, { training: true }) as tf.Tensor;
        return loss(ys, p).mean() as tf.Scalar;
      });
      tf.dispose(Object.values(grads));
    });
  } catch (err) {
    const m = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(String((err as Error).message));
    if (m) {
      throw new BackendKernelError(
        `the ${m[2]} backend cannot train this model: its kernel '${m[1]}' is missing. Use runtime.backend: cpu (slow but complete), or install @tensorflow/tfjs-node.`,
      );
    }
    throw err;
  }
}
