/**
 * The gradient of every op the mmx encoders and losses use, on wasm vs cpu. tfjs-backend-wasm ships some kernels
 * that are wrong (MaxPoolGrad in 4.22, replaced by mmx), so a wrong gradient is not hypothetical: this catches
 * the next one, e.g. after a tfjs upgrade.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { randomArray, relMaxDiff, size, use } from './helpers.js';

const X: [number, number, number, number] = [2, 9, 9, 4];
const W = randomArray(3 * 3 * 4 * 5, 7);

const OPS: Record<string, (x: tf.Tensor4D) => tf.Tensor> = {
  'maxPool 2 s2 valid': (x) => tf.maxPool(x, 2, 2, 'valid'),
  'maxPool 3 s2 same': (x) => tf.maxPool(x, 3, 2, 'same'),
  maxPool1d: (x) => tf.maxPool(x.reshape([2, 1, 81, 4]) as tf.Tensor4D, [1, 2], [1, 2], 'valid'),
  'avgPool 2 s2 valid': (x) => tf.avgPool(x, 2, 2, 'valid'),
  'avgPool 3 s2 same': (x) => tf.avgPool(x, 3, 2, 'same'),
  'conv2d s1 same': (x) => tf.conv2d(x, tf.tensor4d(W, [3, 3, 4, 5]), 1, 'same'),
  'conv2d s2 same': (x) => tf.conv2d(x, tf.tensor4d(W, [3, 3, 4, 5]), 2, 'same'),
  'conv2d s2 valid': (x) => tf.conv2d(x, tf.tensor4d(W, [3, 3, 4, 5]), 2, 'valid'),
  'conv1d same': (x) => tf.conv1d(x.reshape([2, 81, 4]) as tf.Tensor3D, tf.tensor3d(W.slice(0, 60), [5, 4, 3]), 1, 'same'),
  'conv1d s2 valid': (x) => tf.conv1d(x.reshape([2, 81, 4]) as tf.Tensor3D, tf.tensor3d(W.slice(0, 60), [5, 4, 3]), 2, 'valid'),
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x.mul(5)),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  leakyRelu: (x) => tf.leakyRelu(x, 0.1),
  prelu: (x) => tf.prelu(x as tf.Tensor, tf.fill([4], 0.2)),
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  softplus: (x) => tf.softplus(x),
  softmax: (x) => tf.softmax(x.reshape([18, 36])),
  logSoftmax: (x) => tf.logSoftmax(x.reshape([18, 36])),
  'moments (BatchNormalization, training)': (x) => {
    const m = tf.moments(x, [0, 1, 2]);
    return x.sub(m.mean).div(m.variance.add(1e-3).sqrt());
  },
  batchNorm: (x) =>
    tf.batchNorm(
      x,
      tf.tensor1d([0.1, 0.2, -0.3, 0]),
      tf.tensor1d([1, 2, 0.5, 1.5]),
      tf.tensor1d([0, 1, 0, 1]),
      tf.tensor1d([1, 1, 2, 0.5]),
      1e-3,
    ),
  'mean over H,W (GlobalAveragePooling)': (x) => tf.mean(x, [1, 2]),
  'max over time (GlobalMaxPooling1D)': (x) => tf.max(x.reshape([2, 81, 4]), 1),
  sum: (x) => tf.sum(x, 3),
  concat: (x) => tf.concat([x, x.mul(2)], 3),
  slice: (x) => tf.slice(x, [0, 1, 2, 0], [2, 5, 5, 3]),
  pad: (x) =>
    tf.pad(x, [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ]),
  transpose: (x) => tf.transpose(x, [0, 3, 1, 2]),
  tile: (x) => tf.tile(x, [1, 1, 1, 2]),
  'matMul (Dense)': (x) => tf.matMul(x.reshape([18, 36]), tf.tensor2d(randomArray(36 * 7, 3), [36, 7])),
  'matMul transposeB': (x) => tf.matMul(x.reshape([18, 36]), tf.tensor2d(randomArray(36 * 7, 3), [7, 36]), false, true),
  clipByValue: (x) => tf.clipByValue(x, -0.3, 0.5),
  'log(exp + 1)': (x) => tf.log(tf.exp(x).add(1)),
  sqrt: (x) => tf.sqrt(x.abs().add(0.1)),
  square: (x) => tf.square(x),
  maximum: (x) => tf.maximum(x, 0.1),
  minimum: (x) => tf.minimum(x, tf.scalar(0.2)),
  div: (x) => tf.div(x, x.abs().add(1)),
  pow: (x) => tf.pow(x.abs().add(0.5), 1.5),
  resizeBilinear: (x) => tf.image.resizeBilinear(x, [5, 5]),
  'gather (Embedding)': (x) => tf.gather(x.reshape([18, 36]), tf.tensor1d([3, 3, 0, 17, 5], 'int32')),
  softmaxCrossEntropy: (x) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 1, 2, 2, 0], 'int32'), 4), x.reshape([162, 4]).slice([0, 0], [6, 4])),
  sigmoidCrossEntropy: (x) => tf.losses.sigmoidCrossEntropy(tf.ones([6, 4]), x.reshape([162, 4]).slice([0, 0], [6, 4])),
};

describe('gradients on wasm match cpu', () => {
  for (const [name, op] of Object.entries(OPS)) {
    it(name, async () => {
      const xv = randomArray(size(X), 1);
      const results: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await use(backend);
        const g = tf.tidy(() => {
          const f = (x: tf.Tensor) => {
            const y = op(x as tf.Tensor4D);
            return y.mul(tf.tensor(randomArray(y.size, 2), y.shape)).sum();
          };
          return tf.grad(f)(tf.tensor4d(xv, X));
        });
        results.push(g.dataSync() as Float32Array);
        g.dispose();
      }
      const d = relMaxDiff(results[1]!, results[0]!);
      assert.ok(d <= 1e-4, `relative max abs diff ${d}`);
    });
  }
});
