/**
 * tf.layers.lstm vs mmx's FastLSTM (or tf.layers.gru vs FastGRU) on the LSTM bench shape (batch 64, 64 steps,
 * 48 features, 64 units, PAD-masked post padding): one forward+backward (variableGrads) each, interleaved, on the
 * chosen backend.
 *   node --import tsx bench/profile-lstm.ts [wasm|cpu] [reps] [lstm|gru]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { FastGRU } from '../src/model/layers/fast-gru.js';
import { FastLSTM } from '../src/model/layers/fast-lstm.js';

const cell = (process.argv[4] ?? 'lstm') as 'lstm' | 'gru';

function build(fast: boolean, T: number, D: number, H: number): tf.LayersModel {
  const inp = tf.input({ shape: [T] });
  const e = tf.layers.embedding({ inputDim: 500, outputDim: D, maskZero: true }).apply(inp) as tf.SymbolicTensor;
  const args = {
    units: H,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  };
  const layer = cell === 'gru' ? (fast ? new FastGRU(args) : tf.layers.gru(args)) : fast ? new FastLSTM(args) : tf.layers.lstm(args);
  const h = layer.apply(e) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: h });
}

async function main(): Promise<void> {
  const backend = (process.argv[2] ?? 'wasm') as 'wasm' | 'cpu';
  const reps = Number(process.argv[3] ?? 3);
  await initBackend(backend, undefined, process.env.MMX_PROFILE_THREADS ? { threads: Number(process.env.MMX_PROFILE_THREADS) } : {});
  const [B, T, D, H] = [64, 64, 48, 64];
  // post padding: lengths 5..64
  const ids = tf.tidy(() => {
    const v = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      const len = 5 + ((b * 37) % (T - 4));
      for (let t = 0; t < len; t++) v[b * T + t] = 1 + ((b * 31 + t * 7) % 499);
    }
    return tf.tensor2d(v, [B, T]);
  });
  const models = { tfjs: build(false, T, D, H), mmx: build(true, T, D, H) };
  models.mmx.setWeights(models.tfjs.getWeights());
  const step = (m: tf.LayersModel) => {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => (m.apply(ids) as tf.Tensor).square().sum() as tf.Scalar);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    return performance.now() - t0;
  };
  const infer = (m: tf.LayersModel) => {
    const t0 = performance.now();
    (m.predict(ids) as tf.Tensor).dispose();
    return performance.now() - t0;
  };
  step(models.tfjs);
  step(models.mmx);
  const sums = { tfjs: { train: 0, infer: 0 }, mmx: { train: 0, infer: 0 } };
  for (let r = 0; r < reps; r++) {
    for (const k of ['tfjs', 'mmx'] as const) {
      sums[k].train += step(models[k]);
      sums[k].infer += infer(models[k]);
    }
  }
  for (const k of ['tfjs', 'mmx'] as const) {
    console.log(
      `${k.padEnd(5)} forward+backward ${(sums[k].train / reps).toFixed(1)} ms   forward ${(sums[k].infer / reps).toFixed(1)} ms`,
    );
  }
}
void main();
