/*
 * Dropout in one pass: y[i] = x[i] · (keep(i) ? scale : 0), where keep(i) is decided by a counter-based hash of
 * the element's index and the call's key (src/ops/dropout.ts computes key, threshold and scale):
 *   h = fmix32((i · 0x9E3779B1) ^ key)          (murmur3's finaliser)
 *   keep(i) = (h >> 8) >= threshold              (threshold = round(rate · 2^24))
 * The mask is a function of (key, i) alone, so the backward pass recomputes it instead of storing it, and the
 * TypeScript loop of the cpu kernel gives the very same mask.
 */
#include "common.h"

typedef v128_t u4;

INLINE u4 fmix4(u4 h) {
  h = wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
  h = wasm_i32x4_mul(h, wasm_i32x4_splat((int)0x85ebca6bu));
  h = wasm_v128_xor(h, wasm_u32x4_shr(h, 13));
  h = wasm_i32x4_mul(h, wasm_i32x4_splat((int)0xc2b2ae35u));
  return wasm_v128_xor(h, wasm_u32x4_shr(h, 16));
}

INLINE unsigned fmix1(unsigned h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

EXPORT(dropout)
void dropout(int n, const float* x, float* y, unsigned key, unsigned threshold, float scale) {
  u4 K = wasm_i32x4_splat((int)key), T = wasm_i32x4_splat((int)threshold), G = wasm_i32x4_splat((int)0x9E3779B1u);
  u4 idx = wasm_i32x4_make(0, 1, 2, 3), four = wasm_i32x4_splat(4);
  f4 S = splat(scale);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    u4 h = fmix4(wasm_v128_xor(wasm_i32x4_mul(idx, G), K));
    u4 keep = wasm_u32x4_ge(wasm_u32x4_shr(h, 8), T);
    st(y + i, mul(ld(x + i), wasm_v128_and(S, keep)));
    idx = wasm_i32x4_add(idx, four);
  }
  for (; i < n; i++) {
    unsigned h = fmix1(((unsigned)i * 0x9E3779B1u) ^ key);
    y[i] = x[i] * ((h >> 8) >= threshold ? scale : 0.0f);
  }
}
