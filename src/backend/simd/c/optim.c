/*
 * Fused optimiser updates: one pass over a variable instead of a dozen element-wise kernels. Each reproduces the
 * float32 arithmetic of the tfjs ops it replaces, operation by operation in the same order (wasm has no fused
 * multiply-add, so every product and sum is rounded as tfjs rounds it): the result is bit-identical.
 *
 * Outputs are separate buffers (the caller's new tensors): a variable's old value may be shared by other tensors.
 */
#include "common.h"

/*
 * Adam, as tfjs-core's AdamOptimizer.applyGradients computes it:
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *   p' = (m' / (1−β1ᵗ)) / (√(v' / (1−β2ᵗ)) + ε) · (−lr) + p
 * `omb1` = 1−β1 and so on, each already rounded to float32 as tfjs's scalars are.
 */
EXPORT(adam_update)
void adam_update(int n, const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, float b1,
                 float omb1, float b2, float omb2, float omab1, float omab2, float eps, float neglr) {
  f4 B1 = splat(b1), OMB1 = splat(omb1), B2 = splat(b2), OMB2 = splat(omb2);
  f4 OMAB1 = splat(omab1), OMAB2 = splat(omab2), EPS = splat(eps), NEGLR = splat(neglr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 gg = ld(g + i);
    f4 nm = add(mul(ld(m + i), B1), mul(gg, OMB1));
    f4 nv = add(mul(ld(v + i), B2), mul(mul(gg, gg), OMB2));
    f4 step = mul(fdiv(fdiv(nm, OMAB1), add(wasm_f32x4_sqrt(fdiv(nv, OMAB2)), EPS)), NEGLR);
    st(po + i, add(step, ld(p + i)));
    st(mo + i, nm);
    st(vo + i, nv);
  }
  for (; i < n; i++) {
    float gg = g[i];
    float nm = m[i] * b1 + gg * omb1;
    float nv = v[i] * b2 + (gg * gg) * omb2;
    po[i] = (nm / omab1) / (__builtin_sqrtf(nv / omab2) + eps) * neglr + p[i];
    mo[i] = nm;
    vo[i] = nv;
  }
}
