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

/*
 * The L2 term of weight decay, g̃ = g + p·λ (src/ops/weight-decay.ts): the gradient itself where λ is 0.
 */
INLINE f4 l2g4(f4 g, f4 p, f4 L2, int on) { return on ? add(g, mul(p, L2)) : g; }
INLINE float l2g1(float g, float p, float l2, int on) { return on ? g + p * l2 : g; }

/*
 * Adam with weight decay (src/ops/adamw-update.ts): Adam on g̃ = g + p·l2, then p·decay in place of p:
 *   p' = (m' / (1−β1ᵗ)) / (√(v' / (1−β2ᵗ)) + ε) · (−lr) + p·decay
 */
EXPORT(adamw_update)
void adamw_update(int n, const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, float b1,
                  float omb1, float b2, float omb2, float omab1, float omab2, float eps, float neglr, float decay, float l2) {
  f4 B1 = splat(b1), OMB1 = splat(omb1), B2 = splat(b2), OMB2 = splat(omb2);
  f4 OMAB1 = splat(omab1), OMAB2 = splat(omab2), EPS = splat(eps), NEGLR = splat(neglr), DECAY = splat(decay), L2 = splat(l2);
  int on = l2 != 0.0f, dec = decay != 1.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    f4 gg = l2g4(ld(g + i), pp, L2, on);
    f4 nm = add(mul(ld(m + i), B1), mul(gg, OMB1));
    f4 nv = add(mul(ld(v + i), B2), mul(mul(gg, gg), OMB2));
    f4 step = mul(fdiv(fdiv(nm, OMAB1), add(wasm_f32x4_sqrt(fdiv(nv, OMAB2)), EPS)), NEGLR);
    st(po + i, add(step, dec ? mul(pp, DECAY) : pp));
    st(mo + i, nm);
    st(vo + i, nv);
  }
  for (; i < n; i++) {
    float pp = p[i];
    float gg = l2g1(g[i], pp, l2, on);
    float nm = m[i] * b1 + gg * omb1;
    float nv = v[i] * b2 + (gg * gg) * omb2;
    po[i] = (nm / omab1) / (__builtin_sqrtf(nv / omab2) + eps) * neglr + (dec ? pp * decay : pp);
    mo[i] = nm;
    vo[i] = nv;
  }
}

/* SGD without momentum (src/ops/sgd-update.ts): p' = g̃ · (−lr) + p */
EXPORT(sgd_update)
void sgd_update(int n, const float* p, const float* g, float* po, float neglr, float l2) {
  f4 NEGLR = splat(neglr), L2 = splat(l2);
  int on = l2 != 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    st(po + i, add(mul(l2g4(ld(g + i), pp, L2, on), NEGLR), pp));
  }
  for (; i < n; i++) po[i] = l2g1(g[i], p[i], l2, on) * neglr + p[i];
}

/* SGD with momentum (src/ops/sgd-update.ts): b' = b·μ + g̃;  d = nesterov ? g̃ + b'·μ : b';  p' = d · (−lr) + p */
EXPORT(sgd_momentum_update)
void sgd_momentum_update(int n, const float* p, const float* g, const float* b, float* po, float* bo, float neglr, float l2, float mu,
                         float nesterov) {
  f4 NEGLR = splat(neglr), L2 = splat(l2), MU = splat(mu);
  int on = l2 != 0.0f, nest = nesterov != 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    f4 gg = l2g4(ld(g + i), pp, L2, on);
    f4 nb = add(mul(ld(b + i), MU), gg);
    f4 d = nest ? add(gg, mul(nb, MU)) : nb;
    st(po + i, add(mul(d, NEGLR), pp));
    st(bo + i, nb);
  }
  for (; i < n; i++) {
    float pp = p[i];
    float gg = l2g1(g[i], pp, l2, on);
    float nb = b[i] * mu + gg;
    float d = nest ? gg + nb * mu : nb;
    po[i] = d * neglr + pp;
    bo[i] = nb;
  }
}

/* RMSprop (src/ops/rmsprop-update.ts): s' = s·ρ + g̃²·(1−ρ);  p' = (g̃ / (√s' + ε)) · (−lr) + p */
EXPORT(rmsprop_update)
void rmsprop_update(int n, const float* p, const float* g, const float* s, float* po, float* so, float rho, float omrho, float eps,
                    float neglr, float l2) {
  f4 RHO = splat(rho), OMRHO = splat(omrho), EPS = splat(eps), NEGLR = splat(neglr), L2 = splat(l2);
  int on = l2 != 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    f4 gg = l2g4(ld(g + i), pp, L2, on);
    f4 ns = add(mul(ld(s + i), RHO), mul(mul(gg, gg), OMRHO));
    st(po + i, add(mul(fdiv(gg, add(wasm_f32x4_sqrt(ns), EPS)), NEGLR), pp));
    st(so + i, ns);
  }
  for (; i < n; i++) {
    float pp = p[i];
    float gg = l2g1(g[i], pp, l2, on);
    float ns = s[i] * rho + (gg * gg) * omrho;
    po[i] = (gg / (__builtin_sqrtf(ns) + eps)) * neglr + pp;
    so[i] = ns;
  }
}

/* RMSprop with momentum (src/ops/rmsprop-update.ts): b' = b·μ + g̃ / (√s' + ε);  p' = b' · (−lr) + p */
EXPORT(rmsprop_momentum_update)
void rmsprop_momentum_update(int n, const float* p, const float* g, const float* s, const float* b, float* po, float* so, float* bo,
                             float rho, float omrho, float eps, float neglr, float l2, float mu) {
  f4 RHO = splat(rho), OMRHO = splat(omrho), EPS = splat(eps), NEGLR = splat(neglr), L2 = splat(l2), MU = splat(mu);
  int on = l2 != 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    f4 gg = l2g4(ld(g + i), pp, L2, on);
    f4 ns = add(mul(ld(s + i), RHO), mul(mul(gg, gg), OMRHO));
    f4 nb = add(mul(ld(b + i), MU), fdiv(gg, add(wasm_f32x4_sqrt(ns), EPS)));
    st(po + i, add(mul(nb, NEGLR), pp));
    st(so + i, ns);
    st(bo + i, nb);
  }
  for (; i < n; i++) {
    float pp = p[i];
    float gg = l2g1(g[i], pp, l2, on);
    float ns = s[i] * rho + (gg * gg) * omrho;
    float nb = b[i] * mu + gg / (__builtin_sqrtf(ns) + eps);
    po[i] = nb * neglr + pp;
    so[i] = ns;
    bo[i] = nb;
  }
}

/* Adagrad (src/ops/adagrad-update.ts): s' = s + g̃²;  p' = (g̃ / (√s' + ε)) · (−lr) + p */
EXPORT(adagrad_update)
void adagrad_update(int n, const float* p, const float* g, const float* s, float* po, float* so, float eps, float neglr, float l2) {
  f4 EPS = splat(eps), NEGLR = splat(neglr), L2 = splat(l2);
  int on = l2 != 0.0f;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 pp = ld(p + i);
    f4 gg = l2g4(ld(g + i), pp, L2, on);
    f4 ns = add(ld(s + i), mul(gg, gg));
    st(po + i, add(mul(fdiv(gg, add(wasm_f32x4_sqrt(ns), EPS)), NEGLR), pp));
    st(so + i, ns);
  }
  for (; i < n; i++) {
    float pp = p[i];
    float gg = l2g1(g[i], pp, l2, on);
    float ns = s[i] + gg * gg;
    po[i] = (gg / (__builtin_sqrtf(ns) + eps)) * neglr + pp;
    so[i] = ns;
  }
}
