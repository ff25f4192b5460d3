/*
 * Max-pooling gradient (NHWC, float32), tfjs's MaxPoolGrad semantics as its cpu backend has them: each output
 * position's dy goes to the first maximum of its window (row-major scan over the taps inside the input; NaN is
 * never selected, and a window with nothing above -Infinity sends its dy nowhere). Overlapping windows add up.
 *
 * Vectorised over channels: per window and 4 channels, a compare-and-select scan keeps the best value and the
 * index of its tap, then each tap receives dy where it is the selected one.
 *
 * `y` is the forward output (max_pool below; 0 if not at hand); used where windows tile the input, to skip the scan.
 *
 * Geometry `g` (int32): batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, dilationH,
 * dilationW, padTop, padLeft.
 */
#include "common.h"

EXPORT(max_pool_grad)
void max_pool_grad(const int* g, const float* x, const float* y, const float* dy, float* dx) {
  int batch = g[0], inH = g[1], inW = g[2], c = g[3], outH = g[4], outW = g[5];
  int fh = g[6], fw = g[7], sh = g[8], sw = g[9], dh = g[10], dw = g[11], padTop = g[12], padLeft = g[13];
  f4 ninf = splat(-__builtin_inff());
  v128_t none = wasm_i32x4_splat(-1);
  if (y && padTop == 0 && padLeft == 0 && fh == sh && fw == sw && dh == 1 && dw == 1 && c % 4 == 0 && outH * sh <= inH && outW * sw <= inW) {
    /* windows that tile the input without overlap or padding (pool_size == strides, 'valid'): every input element
       belongs to at most one window, so dx is written once, with no zero fill but for the uncovered edge. The
       window's maximum is the forward output y (max_pool below, same rules): the first tap equal to it gets dy
       (none if y is -Infinity; NaN equals nothing, as it is never selected) */
    for (int b = 0; b < batch; b++) {
      for (int xr = 0; xr < inH; xr++) {
        float* row = dx + (b * inH + xr) * inW * c;
        if (xr >= outH * sh) {
          for (int i = 0; i < inW * c; i++) row[i] = 0.0f;
          continue;
        }
        for (int i = outW * sw * c; i < inW * c; i++) row[i] = 0.0f;
      }
      for (int yr = 0; yr < outH; yr++)
        for (int yc = 0; yc < outW; yc++) {
          int o = ((b * outH + yr) * outW + yc) * c;
          const float* x0 = x + ((b * inH + yr * sh) * inW + yc * sw) * c;
          float* d0 = dx + ((b * inH + yr * sh) * inW + yc * sw) * c;
          for (int ch = 0; ch < c; ch += 4) {
            f4 m = ld(y + o + ch), d = ld(dy + o + ch);
            v128_t taken = wasm_f32x4_eq(m, ninf);
            for (int fr = 0; fr < fh; fr++)
              for (int fc = 0; fc < fw; fc++) {
                int at = (fr * inW + fc) * c + ch;
                v128_t sel = wasm_v128_andnot(wasm_f32x4_eq(ld(x0 + at), m), taken);
                taken = wasm_v128_or(taken, sel);
                st(d0 + at, wasm_v128_and(d, sel));
              }
          }
        }
    }
    return;
  }
  int total = batch * inH * inW * c;
  for (int i = 0; i < total; i++) dx[i] = 0.0f;
  for (int b = 0; b < batch; b++)
    for (int yr = 0; yr < outH; yr++)
      for (int yc = 0; yc < outW; yc++) {
        const float* dyp = dy + ((b * outH + yr) * outW + yc) * c;
        int r0 = yr * sh - padTop, c0 = yc * sw - padLeft;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          f4 best = ninf;
          v128_t at = none;
          int q = 0;
          for (int fr = 0; fr < fh; fr++) {
            int xr = r0 + fr * dh;
            if (xr < 0 || xr >= inH) continue;
            for (int fc = 0; fc < fw; fc++) {
              int xc = c0 + fc * dw;
              if (xc < 0 || xc >= inW) continue;
              f4 v = ld(x + ((b * inH + xr) * inW + xc) * c + ch);
              /* strict '>': the first maximum wins; NaN and -Infinity never do */
              v128_t take = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, take);
              at = wasm_v128_bitselect(wasm_i32x4_splat(q), at, take);
              q++;
            }
          }
          f4 d = ld(dyp + ch);
          q = 0;
          for (int fr = 0; fr < fh; fr++) {
            int xr = r0 + fr * dh;
            if (xr < 0 || xr >= inH) continue;
            for (int fc = 0; fc < fw; fc++) {
              int xc = c0 + fc * dw;
              if (xc < 0 || xc >= inW) continue;
              float* p = dx + ((b * inH + xr) * inW + xc) * c + ch;
              st(p, add(ld(p), wasm_v128_and(d, wasm_i32x4_eq(at, wasm_i32x4_splat(q)))));
              q++;
            }
          }
        }
        for (; ch < c; ch++) {
          float best = -__builtin_inff();
          float* at = 0;
          for (int fr = 0; fr < fh; fr++) {
            int xr = r0 + fr * dh;
            if (xr < 0 || xr >= inH) continue;
            for (int fc = 0; fc < fw; fc++) {
              int xc = c0 + fc * dw;
              if (xc < 0 || xc >= inW) continue;
              int i = ((b * inH + xr) * inW + xc) * c + ch;
              float v = x[i];
              if (v > best) {
                best = v;
                at = dx + i;
              }
            }
          }
          if (at) *at += dyp[ch];
        }
      }
}

/* max_pool where every window lies inside the input (no padding, no dilation, channels a multiple of 4): no bounds
   checks. The caller checks those conditions (one exported function with both paths gets an LLVM stack frame). */
EXPORT(max_pool_inside)
void max_pool_inside(const int* g, const float* x, float* y) {
  int batch = g[0], inH = g[1], inW = g[2], c = g[3], outH = g[4], outW = g[5];
  int fh = g[6], fw = g[7], sh = g[8], sw = g[9];
  f4 ninf = splat(-__builtin_inff());
    /* every window inside the input: no bounds checks */
    for (int b = 0; b < batch; b++)
      for (int yr = 0; yr < outH; yr++)
        for (int yc = 0; yc < outW; yc++) {
          float* out = y + ((b * outH + yr) * outW + yc) * c;
          const float* x0 = x + ((b * inH + yr * sh) * inW + yc * sw) * c;
          for (int ch = 0; ch < c; ch += 4) {
            f4 best = ninf;
            for (int fr = 0; fr < fh; fr++)
              for (int fc = 0; fc < fw; fc++) {
                f4 v = ld(x0 + (fr * inW + fc) * c + ch);
                best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
              }
            st(out + ch, best);
          }
        }
}

/*
 * Max pooling forward (NHWC, float32), as tfjs's cpu backend computes it: the largest value over the window's taps
 * inside the input, NaN never chosen, -Infinity for a window with nothing else. Same geometry as max_pool_grad.
 */
EXPORT(max_pool)
void max_pool(const int* g, const float* x, float* y) {
  int batch = g[0], inH = g[1], inW = g[2], c = g[3], outH = g[4], outW = g[5];
  int fh = g[6], fw = g[7], sh = g[8], sw = g[9], dh = g[10], dw = g[11], padTop = g[12], padLeft = g[13];
  f4 ninf = splat(-__builtin_inff());
  for (int b = 0; b < batch; b++)
    for (int yr = 0; yr < outH; yr++)
      for (int yc = 0; yc < outW; yc++) {
        float* out = y + ((b * outH + yr) * outW + yc) * c;
        int r0 = yr * sh - padTop, c0 = yc * sw - padLeft;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          f4 best = ninf;
          for (int fr = 0; fr < fh; fr++) {
            int xr = r0 + fr * dh;
            if (xr < 0 || xr >= inH) continue;
            for (int fc = 0; fc < fw; fc++) {
              int xc = c0 + fc * dw;
              if (xc < 0 || xc >= inW) continue;
              f4 v = ld(x + ((b * inH + xr) * inW + xc) * c + ch);
              best = wasm_v128_bitselect(v, best, wasm_f32x4_gt(v, best));
            }
          }
          st(out + ch, best);
        }
        for (; ch < c; ch++) {
          float best = -__builtin_inff();
          for (int fr = 0; fr < fh; fr++) {
            int xr = r0 + fr * dh;
            if (xr < 0 || xr >= inH) continue;
            for (int fc = 0; fc < fw; fc++) {
              int xc = c0 + fc * dw;
              if (xc < 0 || xc >= inW) continue;
              float v = x[((b * inH + xr) * inW + xc) * c + ch];
              if (v > best) best = v;
            }
          }
          out[ch] = best;
        }
      }
}
