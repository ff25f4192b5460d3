/*
 * Element-wise kernels of a training step that tfjs-backend-wasm runs slowly:
 *  - add_rows: out[r, j] = x[r, j] + b[j] — a bias add (tfjs's Add with the bias broadcast over every axis but the
 *    last), one pass;
 *  - relu_grad: dx = dy · step(x) as tfjs's Relu gradient computes it (dy where x > 0, 0 where x ≤ 0, NaN where
 *    x is NaN), one pass instead of three kernels.
 */
#include "common.h"

EXPORT(add_rows)
void add_rows(int rows, int n, const float* x, const float* b, float* out) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + r * n;
    float* o = out + r * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) st(o + j, add(ld(xr + j), ld(b + j)));
    for (; j < n; j++) o[j] = xr[j] + b[j];
  }
}

EXPORT(relu_grad)
void relu_grad(int n, const float* dy, const float* x, float* dx) {
  f4 one = splat(1.0f), zero = splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 v = ld(x + i);
    /* step(x): 1 where x > 0, 0 elsewhere, NaN (x itself) where x is NaN */
    f4 s = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(v, zero));
    s = wasm_v128_bitselect(v, s, wasm_f32x4_ne(v, v));
    st(dx + i, mul(ld(dy + i), s));
  }
  for (; i < n; i++) {
    float v = x[i];
    float s = v != v ? v : (v > 0.0f ? 1.0f : 0.0f);
    dx[i] = dy[i] * s;
  }
}
