/*
 * 2-D convolution (NHWC, filter [fh, fw, inC, outC]) forward and both gradients, on mmx_gemm (gemm.c). Conv1D is
 * the same with fh = 1 (tfjs runs it as a Conv2D of height 1).
 *
 * Geometry: `g` points to 15 int32 values, as conv-geometry.ts resolves them from tfjs-core's computeConv2DInfo:
 *   batch, inH, inW, inC, outH, outW, outC, fh, fw, strideH, strideW, dilationH, dilationW, padTop, padLeft
 * (the input is [batch, inH, inW, inC], the output [batch, outH, outW, outC]).
 *
 * Two routes:
 *  - direct: no dilation along the width (every Conv1D, almost every Conv2D). Then, in a zero-padded copy of the
 *    input, the im2col row of an output position is fh runs of fw·inC contiguous values, one input row apart, and
 *    output positions are a fixed stride apart within an output row and another between rows: mmx_gemm_seg reads
 *    A straight from the padded copy through those strides (segmented rows and k), with no im2col at all.
 *  - im2col: dilation along the width. im2col rows are written into a scratch chunk that stays in L2, one chunk at
 *    a time, and multiplied there.
 * The `*_scratch` functions give the scratch size (in floats) each needs; the caller allocates it.
 */
#include "common.h"
#include "gemm.h"

typedef struct {
  int batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, dh, dw, padTop, padLeft;
} Geo;

INLINE Geo geo(const int* g) {
  Geo r = {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  return r;
}

/* Rows of an im2col chunk: about 64K floats (256 KB, within L2 beside the filter), at least 16 rows. */
INLINE int chunk_rows(int k) {
  int rows = 65536 / (k > 0 ? k : 1);
  return rows < 16 ? 16 : rows;
}

INLINE int direct_route(Geo g) { return g.dw == 1; }

/* The padded copy of the direct route: every tap of every output position lies inside it. */
INLINE int padded_height(Geo g) {
  int need = (g.outH - 1) * g.sh + (g.fh - 1) * g.dh + 1;
  int have = g.padTop + g.inH;
  return need > have ? need : have;
}
INLINE int padded_width(Geo g) {
  int need = (g.outW - 1) * g.sw + g.fw;
  int have = g.padLeft + g.inW;
  return need > have ? need : have;
}

static void copy_floats(float* dst, const float* src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st(dst + i, ld(src + i));
  for (; i < n; i++) dst[i] = src[i];
}

static void zero_floats(float* dst, int n) {
  int i = 0;
  f4 z = splat(0.0f);
  for (; i + 4 <= n; i += 4) st(dst + i, z);
  for (; i < n; i++) dst[i] = 0.0f;
}

/* xpad[padTop + r, padLeft + c, :] = x[r, c, :] for one image x ([inH, inW, inC]), zero elsewhere; [hp, wp, inC]. */
static void pad_image(const int* gp, const float* x, float* xpad, int hp, int wp) {
  Geo g = geo(gp);
  int row = g.inW * g.inC;
  int prow = wp * g.inC;
  int left = g.padLeft * g.inC;
  for (int r = 0; r < hp; r++) {
    float* d = xpad + r * prow;
    int xr = r - g.padTop;
    if (xr < 0 || xr >= g.inH) {
      zero_floats(d, prow);
      continue;
    }
    zero_floats(d, left);
    copy_floats(d + left, x + xr * row, row);
    zero_floats(d + left + row, prow - left - row);
  }
}

/* im2col rows [p0, p1) into cols ([p1 − p0, fh·fw·inC], row-major), zeros where a tap lies in the padding. */
static void im2col(const int* gp, const float* x, float* cols, int p0, int p1) {
  Geo g = geo(gp);
  int k = g.fh * g.fw * g.inC;
  int yc = p0 % g.outW;
  int yr = (p0 / g.outW) % g.outH;
  int b = p0 / (g.outW * g.outH);
  for (int p = p0; p < p1; p++) {
    float* row = cols + (p - p0) * k;
    const float* xb = x + b * g.inH * g.inW * g.inC;
    int xc0 = yc * g.sw - g.padLeft;
    for (int fr = 0; fr < g.fh; fr++) {
      float* seg = row + fr * g.fw * g.inC;
      int xr = yr * g.sh - g.padTop + fr * g.dh;
      if (xr < 0 || xr >= g.inH) {
        zero_floats(seg, g.fw * g.inC);
        continue;
      }
      const float* xrow = xb + xr * g.inW * g.inC;
      if (g.dw == 1) {
        int lo = xc0 < 0 ? -xc0 : 0;
        int hi = g.inW - xc0 < g.fw ? g.inW - xc0 : g.fw;
        if (hi < lo) hi = lo;
        zero_floats(seg, lo * g.inC);
        copy_floats(seg + lo * g.inC, xrow + (xc0 + lo) * g.inC, (hi - lo) * g.inC);
        zero_floats(seg + hi * g.inC, (g.fw - hi) * g.inC);
      } else {
        for (int fc = 0; fc < g.fw; fc++) {
          int xc = xc0 + fc * g.dw;
          if (xc < 0 || xc >= g.inW)
            zero_floats(seg + fc * g.inC, g.inC);
          else
            copy_floats(seg + fc * g.inC, xrow + xc * g.inC, g.inC);
        }
      }
    }
    if (++yc == g.outW) {
      yc = 0;
      if (++yr == g.outH) {
        yr = 0;
        b++;
      }
    }
  }
}

/* dx[b, xr, xc, :] += cols[p, (fr·fw + fc)·inC + :] over the taps of rows [p0, p1) that lie inside the input. */
static void col2im_add(const int* gp, const float* cols, float* dx, int p0, int p1) {
  Geo g = geo(gp);
  int k = g.fh * g.fw * g.inC;
  for (int p = p0; p < p1; p++) {
    int yc = p % g.outW;
    int yr = (p / g.outW) % g.outH;
    int b = p / (g.outW * g.outH);
    const float* row = cols + (p - p0) * k;
    for (int fr = 0; fr < g.fh; fr++) {
      int xr = yr * g.sh - g.padTop + fr * g.dh;
      if (xr < 0 || xr >= g.inH) continue;
      for (int fc = 0; fc < g.fw; fc++) {
        int xc = yc * g.sw - g.padLeft + fc * g.dw;
        if (xc < 0 || xc >= g.inW) continue;
        float* d = dx + ((b * g.inH + xr) * g.inW + xc) * g.inC;
        const float* s = row + (fr * g.fw + fc) * g.inC;
        int i = 0;
        for (; i + 4 <= g.inC; i += 4) st(d + i, add(ld(d + i), ld(s + i)));
        for (; i < g.inC; i++) d[i] += s[i];
      }
    }
  }
}

EXPORT(conv2d_scratch)
int conv2d_scratch(const int* gp) {
  Geo g = geo(gp);
  if (direct_route(g)) return padded_height(g) * padded_width(g) * g.inC; /* one image at a time */
  int k = g.fh * g.fw * g.inC;
  return chunk_rows(k) * k;
}

/* y[batch, outH, outW, outC] = act(conv(x, w) + bias); bias may be 0 (none); flags: GEMM_RELU. */
EXPORT(conv2d)
void conv2d(const int* gp, const float* x, const float* w, const float* bias, float* y, float* scratch, int flags) {
  Geo g = geo(gp);
  int relu = flags & GEMM_RELU;
  int k = g.fh * g.fw * g.inC;
  if (direct_route(g)) {
    int hp = padded_height(g), wp = padded_width(g);
    int pixels = g.outH * g.outW;
    /* image by image: its padded copy is still in cache when the product reads it */
    for (int b = 0; b < g.batch; b++) {
      pad_image(gp, x + b * g.inH * g.inW * g.inC, scratch, hp, wp);
      mmx_gemm_seg(pixels, g.outC, k, scratch, g.sw * g.inC, g.outW, g.sh * wp * g.inC, 1, g.fw * g.inC, g.dh * wp * g.inC, w, g.outC,
                   y + b * pixels * g.outC, g.outC, bias, relu);
    }
    return;
  }
  int total = g.batch * g.outH * g.outW;
  int rows = chunk_rows(k);
  for (int p0 = 0; p0 < total; p0 += rows) {
    int p1 = p0 + rows < total ? p0 + rows : total;
    im2col(gp, x, scratch, p0, p1);
    mmx_gemm(p1 - p0, g.outC, k, scratch, k, 1, w, g.outC, y + p0 * g.outC, g.outC, bias, relu);
  }
}

/* dw[fh, fw, inC, outC] = Σ over output positions of im2col(x)ᵀ · dy. */
EXPORT(conv2d_backprop_filter)
void conv2d_backprop_filter(const int* gp, const float* x, const float* dy, float* dw, float* scratch) {
  Geo g = geo(gp);
  int k = g.fh * g.fw * g.inC;
  int first = 1;
  if (direct_route(g)) {
    int hp = padded_height(g), wp = padded_width(g);
    int pixels = g.outH * g.outW;
    /* rows: the taps k = (fr, fc·inC + ci), runs of fw·inC one padded row apart; reduction: the output positions */
    for (int b = 0; b < g.batch; b++) {
      pad_image(gp, x + b * g.inH * g.inW * g.inC, scratch, hp, wp);
      mmx_gemm_seg(k, g.outC, pixels, scratch, 1, g.fw * g.inC, g.dh * wp * g.inC, g.sw * g.inC, g.outW,
                   g.sh * wp * g.inC, dy + b * pixels * g.outC, g.outC, dw, g.outC, 0, first ? 0 : GEMM_ACCUMULATE);
      first = 0;
    }
  } else {
    int total = g.batch * g.outH * g.outW;
    int rows = chunk_rows(k);
    for (int p0 = 0; p0 < total; p0 += rows) {
      int p1 = p0 + rows < total ? p0 + rows : total;
      im2col(gp, x, scratch, p0, p1);
      mmx_gemm(k, g.outC, p1 - p0, scratch, 1, k, dy + p0 * g.outC, g.outC, dw, g.outC, 0, first ? 0 : GEMM_ACCUMULATE);
      first = 0;
    }
  }
  if (first) zero_floats(dw, k * g.outC);
}

/* wf[i, j, co, ci] = w[fh−1−i, fw−1−j, ci, co]: the filter of the stride-1 input gradient as a forward conv. */
EXPORT(flip_filter)
void flip_filter(const float* w, int fh, int fw, int inC, int outC, float* wf) {
  for (int i = 0; i < fh; i++)
    for (int j = 0; j < fw; j++) {
      const float* src = w + ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
      float* dst = wf + (i * fw + j) * outC * inC;
      mmx_transpose(src, inC, outC, dst);
    }
}

EXPORT(conv2d_backprop_input_scratch)
int conv2d_backprop_input_scratch(const int* gp) {
  Geo g = geo(gp);
  int k = g.fh * g.fw * g.inC;
  return k * g.outC + chunk_rows(k) * k;
}

/* dx[batch, inH, inW, inC] = the input gradient of any conv (strides too): dcols = dy·wᵀ, scattered back (col2im). */
EXPORT(conv2d_backprop_input)
void conv2d_backprop_input(const int* gp, const float* dy, const float* w, float* dx, float* scratch) {
  Geo g = geo(gp);
  int k = g.fh * g.fw * g.inC;
  float* wt = scratch;
  float* cols = scratch + k * g.outC;
  mmx_transpose(w, k, g.outC, wt);
  zero_floats(dx, g.batch * g.inH * g.inW * g.inC);
  int total = g.batch * g.outH * g.outW;
  int rows = chunk_rows(k);
  for (int p0 = 0; p0 < total; p0 += rows) {
    int p1 = p0 + rows < total ? p0 + rows : total;
    mmx_gemm(p1 - p0, k, g.outC, dy + p0 * g.outC, g.outC, 1, wt, k, cols, k, 0, 0);
    col2im_add(gp, cols, dx, p0, p1);
  }
}
