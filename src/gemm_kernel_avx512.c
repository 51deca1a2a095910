/*
 * AVX-512F micro-kernel of the builtin GEMM: a 12 x 32 tile of C held in 24 zmm accumulators (two vectors
 * of 16 columns per row), one broadcast of A and two loads of packed B per step of k. Tiles at most 16
 * wide use a 12 x 16 variant (12 accumulators). Edge columns are handled with masked loads/stores.
 *
 * Every function here carries a target attribute; nnb__gemm_builtin calls them only after checking the
 * CPU at run time, so the file is compiled without ISA flags.
 */
#include "internal/gemm_builtin.h"

#if defined(NNB__GEMM_X86)

#include <immintrin.h>

#define MR 12
#define NR 32

#define TGT __attribute__((target("avx512f,avx512vl,fma")))
#define INL __attribute__((always_inline)) inline

/* Accumulators named c<row>_<vector>. */
#define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

#define DECL2(r) __m512 c##r##_0 = _mm512_setzero_ps(), c##r##_1 = _mm512_setzero_ps();
#define DECL1(r) __m512 c##r##_0 = _mm512_setzero_ps();
#define STEP2(r)                                                                                          \
    {                                                                                                     \
        __m512 av = _mm512_set1_ps(a[(r) * rsa]);                                                         \
        c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                                                     \
        c##r##_1 = _mm512_fmadd_ps(av, b1, c##r##_1);                                                     \
    }
#define STEP1(r)                                                                                          \
    {                                                                                                     \
        __m512 av = _mm512_set1_ps(a[(r) * rsa]);                                                         \
        c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                                                     \
    }
#define STORE2(r)                                                                                         \
    if ((r) < m) {                                                                                        \
        store_vec(c + (r) * ldc, c##r##_0, k0, va, vb, read_c);                                           \
        store_vec(c + (r) * ldc + 16, c##r##_1, k1, va, vb, read_c);                                      \
    }
#define STORE1(r)                                                                                         \
    if ((r) < m) {                                                                                        \
        store_vec(c + (r) * ldc, c##r##_0, k0, va, vb, read_c);                                           \
    }

static TGT INL void store_vec(float *c, __m512 x, __mmask16 mask, __m512 va, __m512 vb, int read_c)
{
    x = _mm512_mul_ps(x, va);
    if (read_c) {
        x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, c), x);
    }
    _mm512_mask_storeu_ps(c, mask, x);
}

static TGT INL __mmask16 lane_mask(size_t n)
{
    return n >= 16 ? (__mmask16)0xFFFFu : (__mmask16)((1u << n) - 1u);
}

static TGT INL void tile_12x32(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c,
                               size_t ldc, float alpha, float beta, size_t m, size_t n)
{
    ROWS(DECL2)
    for (size_t p = 0; p < k; ++p) {
        __m512 b0 = _mm512_loadu_ps(b);
        __m512 b1 = _mm512_loadu_ps(b + 16);
        ROWS(STEP2)
        a += csa;
        b += NR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int read_c = beta != 0.0f;
    __mmask16 k0 = lane_mask(n), k1 = lane_mask(n - 16);
    ROWS(STORE2)
}

static TGT INL void tile_12x16(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c,
                               size_t ldc, float alpha, float beta, size_t m, size_t n)
{
    ROWS(DECL1)
    for (size_t p = 0; p < k; ++p) {
        __m512 b0 = _mm512_loadu_ps(b);
        ROWS(STEP1)
        a += csa;
        b += NR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int read_c = beta != 0.0f;
    __mmask16 k0 = lane_mask(n);
    ROWS(STORE1)
}

/* Specialised for the stride patterns the driver uses: packed A, row-major A (csa = 1), transposed A
 * (rsa = 1); any other strides take the general copy. */
static TGT void ukr_avx512(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                           float alpha, float beta, size_t m, size_t n)
{
    if (n > 16) {
        if (rsa == 1 && csa == MR) {
            tile_12x32(k, a, 1, MR, b, c, ldc, alpha, beta, m, n);
        } else if (csa == 1) {
            tile_12x32(k, a, rsa, 1, b, c, ldc, alpha, beta, m, n);
        } else if (rsa == 1) {
            tile_12x32(k, a, 1, csa, b, c, ldc, alpha, beta, m, n);
        } else {
            tile_12x32(k, a, rsa, csa, b, c, ldc, alpha, beta, m, n);
        }
    } else {
        if (rsa == 1 && csa == MR) {
            tile_12x16(k, a, 1, MR, b, c, ldc, alpha, beta, m, n);
        } else if (csa == 1) {
            tile_12x16(k, a, rsa, 1, b, c, ldc, alpha, beta, m, n);
        } else if (rsa == 1) {
            tile_12x16(k, a, 1, csa, b, c, ldc, alpha, beta, m, n);
        } else {
            tile_12x16(k, a, rsa, csa, b, c, ldc, alpha, beta, m, n);
        }
    }
}

const nnb__gemm_kernel nnb__gemm_kernel_avx512 = {"avx512", MR, NR, 192, 256, 3072, ukr_avx512};

#endif
