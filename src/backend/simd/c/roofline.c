/*
 * The roofline probe (bench/roofline.ts): the peak rate of WebAssembly SIMD128 on one core, as mmx's own gemm
 * micro-kernel reaches it when nothing waits on memory: a 2 × 16 × 256 product (A 2 KB, B 16 KB, both in L1)
 * accumulated `reps` times through mmx_gemm itself. 16,384 FLOP per rep.
 *
 * (The probe is the gemm code on purpose: a hand-written loop measures whatever clang and V8 make of *that* loop.
 * With the B loads hoisted above the products, V8 keeps four more registers live and spills: half the rate.)
 */
#include "common.h"
#include "gemm.h"

EXPORT(roofline_peak)
void roofline_peak(const float* a, const float* b, float* c, int reps) {
  for (int r = 0; r < reps; r++) mmx_gemm(2, 16, 256, a, 256, 1, b, 16, c, 16, 0, GEMM_ACCUMULATE);
}
