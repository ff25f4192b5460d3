/*
 * Single-precision matrix product on WebAssembly SIMD128, the core of mmx's conv and matmul kernels:
 *
 *   C[i, j] = epilogue( Σ_k A(i, k) · B[k, j]  (+ C[i, j] with GEMM_ACCUMULATE)  (+ bias[j]) ),  epilogue: relu or none
 *
 * A is read through two strides, A(i, k) = a[i·a_rs + k·a_cs], so a transposed operand or overlapping windows of
 * a conv input (im2col rows that are contiguous in memory) need no copy. B is row-major with row stride ldb
 * (transpose a B operand into scratch first, see transpose()).
 *
 * Micro-kernel: 2 rows × 16 columns (8 accumulators, 4 B vectors, one broadcast A value, one product: 14 of the
 * 15 xmm registers V8 gives wasm code on x64; a 6×8 tile, XNNPACK's choice, spills under V8 and runs at ~60 %).
 * Blocked over k (KC) so a 16-column panel of B stays in L1 while it meets MC rows of A, which stay in L2.
 */
#include "common.h"
#include "gemm.h"

#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 64
#endif

/* One tile of rows r ∈ {1, 2} × NV·4 columns over k ∈ [k0, k0 + kc): a0, a1 point at the rows' A(i, 0); k runs
   through segments of klen values (stride a_cs inside, kstride between). `load_c`: add C's current values
   (accumulating, or a later k block); `bias`, `relu`: with the last k block only. */
#define TILE(NV)                                                                                                         \
  INLINE void tile_##NV(int rows, int k0, int kc, const float* a0, const float* a1, int a_cs, int klen, int kstride,     \
                        const float* b, int ldb, float* c, int ldc, int load_c, const float* bias, int relu) {           \
    f4 c00 = splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;                      \
    int seg = k0 / klen, off = k0 - seg * klen;                                                                          \
    for (int left = kc; left > 0;) {                                                                                     \
      int run = klen - off < left ? klen - off : left;                                                                   \
      const float* p0 = a0 + seg * kstride + off * a_cs;                                                                 \
      const float* p1 = a1 + seg * kstride + off * a_cs;                                                                 \
      for (int k = 0; k < run; k++) {                                                                                    \
        f4 b0 = ld(b), b1 = NV > 1 ? ld(b + 4) : b0, b2 = NV > 2 ? ld(b + 8) : b0, b3 = NV > 3 ? ld(b + 12) : b0;          \
        f4 x = bcast(p0);                                                                                                \
        c00 = madd(c00, x, b0);                                                                                          \
        if (NV > 1) c01 = madd(c01, x, b1);                                                                              \
        if (NV > 2) c02 = madd(c02, x, b2);                                                                              \
        if (NV > 3) c03 = madd(c03, x, b3);                                                                              \
        x = bcast(p1);                                                                                                   \
        c10 = madd(c10, x, b0);                                                                                          \
        if (NV > 1) c11 = madd(c11, x, b1);                                                                              \
        if (NV > 2) c12 = madd(c12, x, b2);                                                                              \
        if (NV > 3) c13 = madd(c13, x, b3);                                                                              \
        p0 += a_cs;                                                                                                      \
        p1 += a_cs;                                                                                                      \
        b += ldb;                                                                                                        \
      }                                                                                                                  \
      left -= run;                                                                                                       \
      seg++;                                                                                                             \
      off = 0;                                                                                                           \
    }                                                                                                                    \
    float* r0 = c;                                                                                                       \
    float* r1 = c + ldc;                                                                                                 \
    if (load_c) {                                                                                                        \
      c00 = add(c00, ld(r0));                                                                                            \
      if (NV > 1) c01 = add(c01, ld(r0 + 4));                                                                            \
      if (NV > 2) c02 = add(c02, ld(r0 + 8));                                                                            \
      if (NV > 3) c03 = add(c03, ld(r0 + 12));                                                                           \
      if (rows > 1) {                                                                                                    \
        c10 = add(c10, ld(r1));                                                                                          \
        if (NV > 1) c11 = add(c11, ld(r1 + 4));                                                                          \
        if (NV > 2) c12 = add(c12, ld(r1 + 8));                                                                          \
        if (NV > 3) c13 = add(c13, ld(r1 + 12));                                                                         \
      }                                                                                                                  \
    }                                                                                                                    \
    if (bias) {                                                                                                          \
      f4 q0 = ld(bias), q1 = NV > 1 ? ld(bias + 4) : q0, q2 = NV > 2 ? ld(bias + 8) : q0, q3 = NV > 3 ? ld(bias + 12) : q0; \
      c00 = add(c00, q0), c10 = add(c10, q0);                                                                            \
      if (NV > 1) c01 = add(c01, q1), c11 = add(c11, q1);                                                                \
      if (NV > 2) c02 = add(c02, q2), c12 = add(c12, q2);                                                                \
      if (NV > 3) c03 = add(c03, q3), c13 = add(c13, q3);                                                                \
    }                                                                                                                    \
    if (relu) {                                                                                                          \
      c00 = relu4(c00), c01 = relu4(c01), c02 = relu4(c02), c03 = relu4(c03);                                            \
      c10 = relu4(c10), c11 = relu4(c11), c12 = relu4(c12), c13 = relu4(c13);                                            \
    }                                                                                                                    \
    st(r0, c00);                                                                                                         \
    if (NV > 1) st(r0 + 4, c01);                                                                                         \
    if (NV > 2) st(r0 + 8, c02);                                                                                         \
    if (NV > 3) st(r0 + 12, c03);                                                                                        \
    if (rows > 1) {                                                                                                      \
      st(r1, c10);                                                                                                       \
      if (NV > 1) st(r1 + 4, c11);                                                                                       \
      if (NV > 2) st(r1 + 8, c12);                                                                                       \
      if (NV > 3) st(r1 + 12, c13);                                                                                      \
    }                                                                                                                    \
  }
TILE(4)
TILE(3)
TILE(2)
TILE(1)

/* A(i, k): rows in segments of rlen (stride a_rs inside, rstride between), k in segments of klen (a_cs, kstride). */
INLINE const float* row_of(const float* a, int i, int a_rs, int rlen, int rstride) {
  int seg = i / rlen;
  return a + seg * rstride + (i - seg * rlen) * a_rs;
}

/* The last n % 4 columns, one at a time (scalar). */
static void columns_scalar(int m0, int m1, int n0, int n, int k0, int kc, const float* a, int a_rs, int rlen, int rstride, int a_cs,
                           int klen, int kstride, const float* b, int ldb, float* c, int ldc, int load_c, const float* bias, int relu) {
  for (int i = m0; i < m1; i++) {
    const float* ai = row_of(a, i, a_rs, rlen, rstride);
    for (int j = n0; j < n; j++) {
      float s = 0.0f;
      const float* bk = b + j;
      for (int k = k0; k < k0 + kc; k++, bk += ldb) {
        int seg = k / klen;
        s += ai[seg * kstride + (k - seg * klen) * a_cs] * *bk;
      }
      float* cij = c + i * ldc + j;
      if (load_c) s += *cij;
      if (bias) s += bias[j];
      *cij = relu ? relu1(s) : s;
    }
  }
}

/* Rows blocked by MC (A's block stays in L2), 16-column panels of B (in L1) within. b points at B's row k0. */
static void gemm_block(int m, int n, int k0, int kc, const float* a, int a_rs, int rlen, int rstride, int a_cs, int klen, int kstride,
                       const float* b, int ldb, float* c, int ldc, int load_c, const float* bias, int relu) {
  for (int i0 = 0; i0 < m; i0 += MC) {
    int i1 = m - i0 < MC ? m : i0 + MC;
    int j = 0;
    for (; j + 4 <= n;) {
      int nv = (n - j) >= 16 ? 4 : (n - j) / 4;
      const float* bj = b + j;
      const float* qj = bias ? bias + j : 0;
      for (int i = i0; i < i1; i += 2) {
        int rows = i1 - i >= 2 ? 2 : 1;
        const float* a0 = row_of(a, i, a_rs, rlen, rstride);
        const float* a1 = rows > 1 ? row_of(a, i + 1, a_rs, rlen, rstride) : a0;
        float* ci = c + i * ldc + j;
        switch (nv) {
          case 4: tile_4(rows, k0, kc, a0, a1, a_cs, klen, kstride, bj, ldb, ci, ldc, load_c, qj, relu); break;
          case 3: tile_3(rows, k0, kc, a0, a1, a_cs, klen, kstride, bj, ldb, ci, ldc, load_c, qj, relu); break;
          case 2: tile_2(rows, k0, kc, a0, a1, a_cs, klen, kstride, bj, ldb, ci, ldc, load_c, qj, relu); break;
          default: tile_1(rows, k0, kc, a0, a1, a_cs, klen, kstride, bj, ldb, ci, ldc, load_c, qj, relu); break;
        }
      }
      j += nv * 4;
    }
    if (j < n) columns_scalar(i0, i1, j, n, k0, kc, a, a_rs, rlen, rstride, a_cs, klen, kstride, b, ldb, c, ldc, load_c, bias, relu);
  }
}

/*
 * The general product: A(i, k) = a[rowseg(i)·rstride + (i mod rlen)·a_rs + kseg(k)·kstride + (k mod klen)·a_cs],
 * with rowseg(i) = i / rlen and kseg(k) = k / klen. A plain matrix is one segment each way (rlen ≥ m, klen ≥ k);
 * a convolution's input reads this way with no im2col (conv.c). Blocked over k (KC) so a B panel stays in L1.
 */
void mmx_gemm_seg(int m, int n, int k, const float* a, int a_rs, int rlen, int rstride, int a_cs, int klen, int kstride,
                  const float* b, int ldb, float* c, int ldc, const float* bias, int flags) {
  int relu = flags & GEMM_RELU;
  if (k == 0) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        float s = (flags & GEMM_ACCUMULATE) ? c[i * ldc + j] : 0.0f;
        if (bias) s += bias[j];
        c[i * ldc + j] = relu ? relu1(s) : s;
      }
    return;
  }
  if (rlen < 1) rlen = m > 0 ? m : 1;
  if (klen < 1) klen = k;
  for (int k0 = 0; k0 < k; k0 += KC) {
    int kc = k - k0 < KC ? k - k0 : KC;
    int last = k0 + kc >= k;
    int load_c = k0 > 0 || (flags & GEMM_ACCUMULATE);
    gemm_block(m, n, k0, kc, a, a_rs, rlen, rstride, a_cs, klen, kstride, b + k0 * ldb, ldb, c, ldc, load_c, last ? bias : 0,
               last ? relu : 0);
  }
}

/* C = epilogue(A·B (+ C)) for a plain A: A(i, k) = a[i·a_rs + k·a_cs]. */
void mmx_gemm(int m, int n, int k, const float* a, int a_rs, int a_cs, const float* b, int ldb, float* c, int ldc, const float* bias,
              int flags) {
  mmx_gemm_seg(m, n, k, a, a_rs, m, 0, a_cs, k, 0, b, ldb, c, ldc, bias, flags);
}

EXPORT(gemm)
void gemm(int m, int n, int k, const float* a, int a_rs, int a_cs, const float* b, int ldb, float* c, int ldc,
          const float* bias, int flags) {
  mmx_gemm(m, n, k, a, a_rs, a_cs, b, ldb, c, ldc, bias, flags);
}

/* dst[c, r] = src[r, c]: a [rows, cols] matrix transposed into [cols, rows], in 8×8 tiles. */
void mmx_transpose(const float* src, int rows, int cols, float* dst) {
  for (int r0 = 0; r0 < rows; r0 += 8) {
    int r1 = r0 + 8 < rows ? r0 + 8 : rows;
    for (int c0 = 0; c0 < cols; c0 += 8) {
      int c1 = c0 + 8 < cols ? c0 + 8 : cols;
      for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

EXPORT(transpose)
void transpose(const float* src, int rows, int cols, float* dst) { mmx_transpose(src, rows, cols, dst); }

/*
 * C = A·Bᵀ (+ C with GEMM_ACCUMULATE) (+ bias, relu) with both operands row-major along k: A [m, k] (lda), B [n, k]
 * (ldb), as a Dense layer's input gradient dy·Wᵀ needs, without transposing B. Tiles of 2 rows × 4 columns: eight
 * vector accumulators, each summing four k at a time (2 + 4 loads, 8 products per 4 k: the same ratio as the 2×16
 * tile), reduced across lanes once at the end.
 */
INLINE f4 hsum4(f4 a, f4 b, f4 c, f4 d) {
  /* [Σa, Σb, Σc, Σd] */
  f4 ab = add(wasm_i32x4_shuffle(a, b, 0, 1, 4, 5), wasm_i32x4_shuffle(a, b, 2, 3, 6, 7));
  f4 cd = add(wasm_i32x4_shuffle(c, d, 0, 1, 4, 5), wasm_i32x4_shuffle(c, d, 2, 3, 6, 7));
  return add(wasm_i32x4_shuffle(ab, cd, 0, 2, 4, 6), wasm_i32x4_shuffle(ab, cd, 1, 3, 5, 7));
}

static float dot_scalar(const float* a, const float* b, int k) {
  float s = 0.0f;
  for (int i = 0; i < k; i++) s += a[i] * b[i];
  return s;
}

void mmx_gemm_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, const float* bias, int flags) {
  int relu = flags & GEMM_RELU, acc = flags & GEMM_ACCUMULATE;
  int k4 = k & ~3;
  for (int j = 0; j < n; j += 4) {
    int cols = n - j < 4 ? n - j : 4;
    const float* b0 = b + j * ldb;
    const float* b1 = cols > 1 ? b0 + ldb : b0;
    const float* b2 = cols > 2 ? b0 + 2 * ldb : b0;
    const float* b3 = cols > 3 ? b0 + 3 * ldb : b0;
    for (int i = 0; i < m; i += 2) {
      int rows = m - i < 2 ? 1 : 2;
      const float* a0 = a + i * lda;
      const float* a1 = rows > 1 ? a0 + lda : a0;
      f4 s00 = splat(0), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      for (int q = 0; q < k4; q += 4) {
        f4 x0 = ld(a0 + q), x1 = ld(a1 + q);
        f4 y = ld(b0 + q);
        s00 = madd(s00, x0, y);
        s10 = madd(s10, x1, y);
        y = ld(b1 + q);
        s01 = madd(s01, x0, y);
        s11 = madd(s11, x1, y);
        y = ld(b2 + q);
        s02 = madd(s02, x0, y);
        s12 = madd(s12, x1, y);
        y = ld(b3 + q);
        s03 = madd(s03, x0, y);
        s13 = madd(s13, x1, y);
      }
      f4 r0 = hsum4(s00, s01, s02, s03);
      f4 r1 = hsum4(s10, s11, s12, s13);
      if (k4 < k) {
        r0 = add(r0, wasm_f32x4_make(dot_scalar(a0 + k4, b0 + k4, k - k4), dot_scalar(a0 + k4, b1 + k4, k - k4),
                                     dot_scalar(a0 + k4, b2 + k4, k - k4), dot_scalar(a0 + k4, b3 + k4, k - k4)));
        r1 = add(r1, wasm_f32x4_make(dot_scalar(a1 + k4, b0 + k4, k - k4), dot_scalar(a1 + k4, b1 + k4, k - k4),
                                     dot_scalar(a1 + k4, b2 + k4, k - k4), dot_scalar(a1 + k4, b3 + k4, k - k4)));
      }
      float* c0 = c + i * ldc + j;
      float* c1 = c0 + ldc;
      for (int r = 0; r < rows; r++) {
        f4 v = r == 0 ? r0 : r1;
        float* cr = r == 0 ? c0 : c1;
        if (cols == 4) {
          if (acc) v = add(v, ld(cr));
          if (bias) v = add(v, ld(bias + j));
          if (relu) v = relu4(v);
          st(cr, v);
        } else {
          for (int q = 0; q < cols; q++) {
            float x = q == 0 ? wasm_f32x4_extract_lane(v, 0) : q == 1 ? wasm_f32x4_extract_lane(v, 1) : wasm_f32x4_extract_lane(v, 2);
            if (acc) x += cr[q];
            if (bias) x += bias[j + q];
            cr[q] = relu ? relu1(x) : x;
          }
        }
      }
    }
  }
}

EXPORT(gemm_nt)
void gemm_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc, const float* bias, int flags) {
  mmx_gemm_nt(m, n, k, a, lda, b, ldb, c, ldc, bias, flags);
}
