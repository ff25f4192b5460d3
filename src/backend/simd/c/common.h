/*
 * mmx's SIMD kernels for the tfjs wasm backend: shared definitions.
 *
 * Built with clang's wasm32 target (scripts/build-wasm.mjs) into a module that *imports* the wasm backend's memory
 * and works on tensors where they lie. Rules that keep it safe inside someone else's memory:
 *  - no static data and no globals (no .data/.bss, no shadow stack): everything lives in registers, wasm locals,
 *    or buffers the caller passes (the build script checks that the module defines neither);
 *  - pointers are byte offsets into that memory, as the backend's own tensors have them.
 */
#ifndef MMX_COMMON_H
#define MMX_COMMON_H
#include <wasm_simd128.h>

typedef v128_t f4;
#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

INLINE f4 ld(const float* p) { return wasm_v128_load(p); }
INLINE void st(float* p, f4 v) { wasm_v128_store(p, v); }
INLINE f4 splat(float x) { return wasm_f32x4_splat(x); }
INLINE f4 bcast(const float* p) { return wasm_v128_load32_splat(p); }
INLINE f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
INLINE f4 sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
INLINE f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
INLINE f4 fdiv(f4 a, f4 b) { return wasm_f32x4_div(a, b); }
INLINE f4 madd(f4 acc, f4 a, f4 b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
/* max(x, 0) that keeps NaN as NaN (as tfjs's Relu: x > 0 ? x : 0 would turn NaN into 0, XNNPACK keeps it) */
INLINE f4 relu4(f4 x) { return wasm_v128_andnot(x, wasm_f32x4_lt(x, splat(0.0f))); }
INLINE float relu1(float x) { return x < 0.0f ? 0.0f : x; }

#endif
