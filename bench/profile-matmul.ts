/** Times and checks wasm matrix products: tfjs-backend-wasm's original kernel vs mmx's replacement (issue 7). node --import tsx bench/profile-matmul.ts */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/select.js';
import { setMatMulStrategy } from '../src/backend/wasm-kernels/index.js';
async function main(): Promise<void> {
  await initBackend('wasm', undefined, process.env.MMX_PROFILE_THREADS ? { threads: Number(process.env.MMX_PROFILE_THREADS) } : {});
  const cases: [number[], number[], boolean, boolean][] = [
    [[64, 1568], [64, 128], true, false],
    [[64, 128], [1568, 128], false, true],
    [[64, 128], [1600, 128], false, true],
    [[64, 256], [64, 256], false, true],
    [[64, 48], [64, 256], true, false],
    [[64, 64], [64, 256], true, false],
    [[64, 64], [256, 64], false, true],
    [[8, 32, 16], [8, 16, 32], false, false],
    [[8, 32, 16], [8, 32, 16], false, true],
    [[8, 32, 16], [16, 32], false, false],
    [[256, 16, 16], [256, 16, 16], false, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = tf.randomNormal(sa),
      b = tf.randomNormal(sb);
    const time = (s: 'auto' | 'original') => {
      setMatMulStrategy(s);
      let r = tf.matMul(a, b, ta, tb);
      r.dataSync();
      r.dispose();
      const t = performance.now();
      const N = 10;
      for (let i = 0; i < N; i++) {
        r = tf.matMul(a, b, ta, tb);
        r.dataSync();
        r.dispose();
      }
      return (performance.now() - t) / N;
    };
    const to = time('original'),
      tn = time('auto');
    setMatMulStrategy('original');
    const ro = tf.matMul(a, b, ta, tb).dataSync();
    setMatMulStrategy('auto');
    const rn = tf.matMul(a, b, ta, tb).dataSync();
    let d = 0,
      s = 1e-6;
    for (let i = 0; i < ro.length; i++) {
      d = Math.max(d, Math.abs(ro[i]! - rn[i]!));
      s = Math.max(s, Math.abs(ro[i]!));
    }
    console.log(
      `${JSON.stringify(sa)}${ta ? 'T' : ''} x ${JSON.stringify(sb)}${tb ? 'T' : ''}: original ${to.toFixed(2)} ms, mmx ${tn.toFixed(2)} ms, x${(to / tn).toFixed(1)}, rel diff ${(d / s).toExponential(1)}`,
    );
  }
}
void main();
