/* SPDX-License-Identifier: MIT */
/*
 * AVX2+FMA micro-kernel of the builtin GEMM: a 6 x 16 tile of C held in 12 ymm accumulators (two vectors
 * of 8 columns per row), one broadcast of A and two loads of packed B per step of k. Tiles at most 8 wide
 * use a 6 x 8 variant. Edge columns are handled with maskload/maskstore.
 *
 * Every function here carries a target attribute; nnb__gemm_builtin calls them only after checking the
 * CPU at run time, so the file is compiled without ISA flags.
 */
#include "compute/gemm_builtin.h"

#if defined(NNB__GEMM_X86)

#    include <immintrin.h>

#    define MR 6
#    define NR 16

#    define TGT __attribute__((target("avx2,fma")))
#    define INL __attribute__((always_inline)) inline

#    define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

#    define DECL2(r) __m256 c##r##_0 = _mm256_setzero_ps(), c##r##_1 = _mm256_setzero_ps();
#    define DECL1(r) __m256 c##r##_0 = _mm256_setzero_ps();
#    define STEP2(r)                                                                                                   \
        {                                                                                                              \
            __m256 av = _mm256_broadcast_ss(a + (r)*rsa);                                                              \
            c##r##_0 = _mm256_fmadd_ps(av, b0, c##r##_0);                                                              \
            c##r##_1 = _mm256_fmadd_ps(av, b1, c##r##_1);                                                              \
        }
#    define STEP1(r)                                                                                                   \
        {                                                                                                              \
            __m256 av = _mm256_broadcast_ss(a + (r)*rsa);                                                              \
            c##r##_0 = _mm256_fmadd_ps(av, b0, c##r##_0);                                                              \
        }
#    define STORE2(r)                                                                                                  \
        if ((r) < m) {                                                                                                 \
            store_vec(c + (r)*ldc, c##r##_0, n, mask0, va, vb, read_c);                                                \
            store_vec(c + (r)*ldc + 8, c##r##_1, n - 8, mask1, va, vb, read_c);                                        \
        }
#    define STORE1(r)                                                                                                  \
        if ((r) < m) {                                                                                                 \
            store_vec(c + (r)*ldc, c##r##_0, n, mask0, va, vb, read_c);                                                \
        }

/* Lanes j < n set (all of them when n >= 8). */
static TGT INL __m256i lane_mask(size_t n)
{
    int live = n >= 8 ? 8 : (int)n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(live), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static TGT INL void store_vec(float *c, __m256 x, size_t n, __m256i mask, __m256 va, __m256 vb, int read_c)
{
    x = _mm256_mul_ps(x, va);
    if (n >= 8) {
        if (read_c) {
            x = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), x);
        }
        _mm256_storeu_ps(c, x);
    } else {
        if (read_c) {
            x = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, mask), x);
        }
        _mm256_maskstore_ps(c, mask, x);
    }
}

static TGT INL void tile_6x16(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                              float alpha, float beta, size_t m, size_t n)
{
    ROWS(DECL2)
    for (size_t p = 0; p < k; ++p) {
        __m256 b0 = _mm256_loadu_ps(b);
        __m256 b1 = _mm256_loadu_ps(b + 8);
        ROWS(STEP2)
        a += csa;
        b += NR;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    int read_c = beta != 0.0f;
    __m256i mask0 = lane_mask(n), mask1 = lane_mask(n - 8);
    ROWS(STORE2)
}

static TGT INL void tile_6x8(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                             float alpha, float beta, size_t m, size_t n)
{
    ROWS(DECL1)
    for (size_t p = 0; p < k; ++p) {
        __m256 b0 = _mm256_loadu_ps(b);
        ROWS(STEP1)
        a += csa;
        b += NR;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    int read_c = beta != 0.0f;
    __m256i mask0 = lane_mask(n);
    ROWS(STORE1)
}

/* Specialised for the stride patterns the driver uses: packed A, row-major A (csa = 1), transposed A
 * (rsa = 1); any other strides take the general copy. */
static TGT void ukr_avx2(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                         float alpha, float beta, size_t m, size_t n)
{
    if (n > 8) {
        if (rsa == 1 && csa == MR) {
            tile_6x16(k, a, 1, MR, b, c, ldc, alpha, beta, m, n);
        } else if (csa == 1) {
            tile_6x16(k, a, rsa, 1, b, c, ldc, alpha, beta, m, n);
        } else if (rsa == 1) {
            tile_6x16(k, a, 1, csa, b, c, ldc, alpha, beta, m, n);
        } else {
            tile_6x16(k, a, rsa, csa, b, c, ldc, alpha, beta, m, n);
        }
    } else {
        if (rsa == 1 && csa == MR) {
            tile_6x8(k, a, 1, MR, b, c, ldc, alpha, beta, m, n);
        } else if (csa == 1) {
            tile_6x8(k, a, rsa, 1, b, c, ldc, alpha, beta, m, n);
        } else if (rsa == 1) {
            tile_6x8(k, a, 1, csa, b, c, ldc, alpha, beta, m, n);
        } else {
            tile_6x8(k, a, rsa, csa, b, c, ldc, alpha, beta, m, n);
        }
    }
}

const nnb__gemm_kernel nnb__gemm_kernel_avx2 = {"avx2", 1, MR, NR, 96, 256, 3072, ukr_avx2, NULL};

#endif
