#ifndef MMX_GEMM_H
#define MMX_GEMM_H
enum { GEMM_ACCUMULATE = 1, GEMM_RELU = 2 };
void mmx_gemm(int m, int n, int k, const float* a, int a_rs, int a_cs, const float* b, int ldb, float* c, int ldc,
              const float* bias, int flags);
void mmx_gemm_seg(int m, int n, int k, const float* a, int a_rs, int rlen, int rstride, int a_cs, int klen, int kstride,
                  const float* b, int ldb, float* c, int ldc, const float* bias, int flags);
void mmx_transpose(const float* src, int rows, int cols, float* dst);
#endif
