import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { createRequire } from 'node:module';
import { conv2dBackpropFilterConfig, setConv2dBackpropFilterStrategy } from './wasm-kernels/conv2d-backprop-filter.js';
const require = createRequire('/work/main/package.json');
setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
await tf.setBackend('wasm');
tf.registerKernel(conv2dBackpropFilterConfig);
function bench(name: string, xs: number[], fs: [number,number,number,number], pad: 'same'|'valid', strat: 'gemm'|'direct') {
  setConv2dBackpropFilterStrategy(strat);
  const x = tf.randomNormal(xs as any).relu();
  const info = tf.backend_util.computeConv2DInfo(xs as any, fs, 1, 1, pad);
  const dy = tf.randomNormal(info.outShape);
  const run = () => tf.engine().runKernel("Conv2DBackpropFilter", {x, dy}, {strides: 1, pad, dataFormat: "NHWC", filterShape: fs}) as tf.Tensor; let r = run(); r.dataSync(); r.dispose();
  const n = 5; const t0 = performance.now();
  for (let i = 0; i < n; i++) { r = run(); r.dataSync(); r.dispose(); }
  console.log(name, strat, ((performance.now() - t0) / n).toFixed(1), 'ms');
}
for (const s of ['gemm'] as const) {
  bench('2d 64x14x14x32 -> 3x3x32x64 same', [64,14,14,32], [3,3,32,64], 'same', s);
  bench('1d 64x1x100x40 -> 1x5x40x64 same', [64,1,100,40], [1,5,40,64], 'same', s);
  bench('1d 64x1x100x64 -> 1x5x64x128 same', [64,1,100,64], [1,5,64,128], 'same', s);
  bench('1d 64x1x50x64 -> 1x5x64x128 same', [64,1,50,64], [1,5,64,128], 'same', s);
  bench('2d 64x28x28x1 -> 3x3x1x32 same', [64,28,28,1], [3,3,1,32], 'same', s);
}
