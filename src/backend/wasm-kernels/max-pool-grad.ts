/**
 * `MaxPoolGrad` for the tfjs wasm backend — a *replacement*: tfjs-backend-wasm 4.22 ships one, but it is wrong.
 * Its C++ argmax starts from `std::numeric_limits<float>::min()` (the smallest *positive* float, not the lowest
 * value), so in any pooling window whose values are all ≤ 0 no position is ever selected and the window's
 * gradient is dropped or sent to the wrong element. That happens whenever max pooling follows anything that can
 * be negative (BatchNormalization, a linear conv, log-mel input…). It also breaks ties towards the last maximum,
 * where tfjs's cpu backend and TensorFlow take the first.
 *
 * This kernel: for every output position, the first maximum in the window (row-major scan, padding excluded,
 * NaN never selected; a window with nothing above -Infinity sends it nowhere, as tfjs's cpu backend does) receives dy. NHWC, float32, as tfjs-core's MaxPool gradient calls it. On mmx's SIMD kernels
 * (c/pool.c: four channels at a time) where they load, else the same scan in TypeScript.
 */
import * as tf from '../../tf.js';
import { asWasmBackend, f32 } from './heap.js';
import { maxPoolWasm, MAX_POOL } from './max-pool.js';
import { poolInfo, poolInts } from './pool-geometry.js';
import { ptr, withInts } from '../simd/call.js';
import { simdFor } from '../simd/module.js';

export const MAX_POOL_GRAD = 'MaxPoolGrad';

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

export function maxPoolGradWasm({ inputs, backend, attrs }: KernelFuncArgs): tf.TensorInfo {
  const wasm = asWasmBackend(backend, MAX_POOL_GRAD);
  const dy = inputs['dy'];
  const x = inputs['input'];
  // the forward output: where mmx's MaxPool made it (same rules), it saves the SIMD kernel a scan of the windows
  const output = inputs['output'];
  const y =
    output !== undefined && output.dtype === 'float32' && tf.util.sizeFromShape(output.shape) === tf.util.sizeFromShape(dy?.shape ?? [])
      ? output
      : undefined;
  if (dy === undefined || x === undefined) throw new Error(`${MAX_POOL_GRAD}: inputs 'dy' and 'input' are required`);
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') {
    throw new Error(`${MAX_POOL_GRAD} on wasm (mmx kernel) supports float32 only, got dy ${dy.dtype}, input ${x.dtype}`);
  }
  const info = poolInfo(MAX_POOL_GRAD, x.shape, attrs);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const expected = [n, oh, ow, c];
  if (dy.shape.length !== 4 || expected.some((v, i) => v !== dy.shape[i])) {
    throw new Error(`${MAX_POOL_GRAD}: dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}]`);
  }

  const out = wasm.makeOutput([...x.shape], 'float32');
  const simd = simdFor(backend);
  if (simd !== undefined) {
    withInts(simd, poolInts(info), (g) =>
      simd.fn.max_pool_grad(
        g,
        ptr(backend, x),
        y !== undefined && tf.getKernel(MAX_POOL, 'wasm')?.kernelFunc === maxPoolWasm ? ptr(backend, y) : 0,
        ptr(backend, dy),
        ptr(backend, out),
      ),
    );
    return out;
  }
  // Views after the allocation (it may grow the wasm memory and detach older views).
  const dx = f32(wasm, out);
  const xv = f32(wasm, x);
  const dyv = f32(wasm, dy);
  dx.fill(0);
  // Offsets of the window's in-bounds taps (row-major, so the first maximum found is the first in scan order).
  const taps = new Int32Array(Math.ceil(fh / dh) * Math.ceil(fw / dw));
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      const xr0 = yr * sh - padTop;
      for (let yc = 0; yc < ow; yc++) {
        const xc0 = yc * sw - padLeft;
        let nt = 0;
        for (let fr = 0; fr < fh; fr += dh) {
          const xr = xr0 + fr;
          if (xr < 0 || xr >= h) continue;
          for (let fc = 0; fc < fw; fc += dw) {
            const xc = xc0 + fc;
            if (xc < 0 || xc >= w) continue;
            taps[nt++] = ((b * h + xr) * w + xc) * c;
          }
        }
        if (nt === 0) continue;
        const dyBase = ((b * oh + yr) * ow + yc) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let q = 0; q < nt; q++) {
            const i = taps[q]! + ch;
            const v = xv[i]!;
            // Strict '>': the first maximum wins; NaN and -Infinity never do (as on tfjs's cpu backend).
            if (v > best) {
              best = v;
              at = i;
            }
          }
          if (at >= 0) dx[at]! += dyv[dyBase + ch]!;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: MAX_POOL_GRAD,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as tf.KernelFunc,
};
