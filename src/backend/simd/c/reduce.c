/*
 * Sums over a block of middle axes: x viewed as [outer, mid, inner], out[o, j] = Σ_m x[o, m, j] (a conv or dense
 * bias gradient sums dy over every axis but the channels). Four channels at a time: runs of 64 rows are summed in
 * float32 vectors, each run's sum added into float64 accumulators (`acc`: `inner` doubles of scratch), so a sum of
 * 50,000 rows keeps float64's accuracy where it matters.
 */
#include "common.h"

EXPORT(sum_middle)
void sum_middle(int outer, int mid, int inner, const float* x, float* out, double* acc) {
  for (int q = 0; q < outer; q++) {
    const float* xq = x + q * mid * inner;
    for (int j = 0; j < inner; j++) acc[j] = 0.0;
    for (int m0 = 0; m0 < mid; m0 += 64) {
      int m1 = m0 + 64 < mid ? m0 + 64 : mid;
      int j = 0;
      for (; j + 4 <= inner; j += 4) {
        f4 s = splat(0.0f);
        const float* p = xq + m0 * inner + j;
        for (int m = m0; m < m1; m++, p += inner) s = add(s, ld(p));
        v128_t lo = wasm_f64x2_promote_low_f32x4(s);
        v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(s, s, 2, 3, 0, 1));
        wasm_v128_store(acc + j, wasm_f64x2_add(wasm_v128_load(acc + j), lo));
        wasm_v128_store(acc + j + 2, wasm_f64x2_add(wasm_v128_load(acc + j + 2), hi));
      }
      for (; j < inner; j++) {
        float s = 0.0f;
        const float* p = xq + m0 * inner + j;
        for (int m = m0; m < m1; m++, p += inner) s += *p;
        acc[j] += s;
      }
    }
    for (int j = 0; j < inner; j++) out[q * inner + j] = (float)acc[j];
  }
}
