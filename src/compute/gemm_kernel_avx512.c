/* SPDX-License-Identifier: MIT */
/*
 * AVX-512F micro-kernel of the builtin GEMM: a 12 x 32 tile of C held in 24 zmm accumulators (two vectors
 * of 16 columns per row), one broadcast of A and two loads of packed B per step of k. Tiles at most 16
 * wide use a 12 x 16 variant (12 accumulators). Edge columns are handled with masked loads/stores.
 *
 * Every function here carries a target attribute; nnb__gemm_builtin calls them only after checking the
 * CPU at run time, so the file is compiled without ISA flags.
 */
#include "compute/gemm_builtin.h"

#if defined(NNB__GEMM_X86)

#    include <immintrin.h>

#    define MR 12
#    define NR 32

#    define TGT __attribute__((target("avx512f,avx512vl,fma")))
#    define INL __attribute__((always_inline)) inline

/* Accumulators named c<row>_<vector>. */
#    define ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

#    define DECL2(r) __m512 c##r##_0 = _mm512_setzero_ps(), c##r##_1 = _mm512_setzero_ps();
#    define DECL1(r) __m512 c##r##_0 = _mm512_setzero_ps();
#    define STEP2(r)                                                                                                   \
        {                                                                                                              \
            __m512 av = _mm512_set1_ps(a[(r)*rsa]);                                                                    \
            c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                                                              \
            c##r##_1 = _mm512_fmadd_ps(av, b1, c##r##_1);                                                              \
        }
#    define STEP1(r)                                                                                                   \
        {                                                                                                              \
            __m512 av = _mm512_set1_ps(a[(r)*rsa]);                                                                    \
            c##r##_0 = _mm512_fmadd_ps(av, b0, c##r##_0);                                                              \
        }
#    define STORE2(r)                                                                                                  \
        if ((r) < m) {                                                                                                 \
            store_vec(c + (r)*ldc, c##r##_0, k0, va, vb, read_c);                                                      \
            store_vec(c + (r)*ldc + 16, c##r##_1, k1, va, vb, read_c);                                                 \
        }
#    define STORE1(r)                                                                                                  \
        if ((r) < m) {                                                                                                 \
            store_vec(c + (r)*ldc, c##r##_0, k0, va, vb, read_c);                                                      \
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
    /* Not a conditional expression: its operands would be promoted to int (a -Wconversion error). */
    if (n >= 16) {
        return (__mmask16)0xFFFFu;
    }
    return (__mmask16)((1u << n) - 1u);
}

static TGT INL void tile_12x32(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                               float alpha, float beta, size_t m, size_t n)
{
    /* Start fetching the C tile now; it is needed only after the k loop. */
    for (size_t r = 0; r < m; ++r) {
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + 16), _MM_HINT_T0);
    }
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

static TGT INL void tile_12x16(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                               float alpha, float beta, size_t m, size_t n)
{
    for (size_t r = 0; r < m; ++r) {
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
    }
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

/*
 * dst[p * dld + r] = src[r * ld + p] for r < rows (a multiple of 4), p < kc: packs row-major A or transposed
 * B. Four rows at a time: a 4 x 4 transpose inside each 128-bit lane turns 16 columns of 4 rows into 16
 * groups of 4 consecutive floats, each stored straight from its lane.
 */
static TGT void transpose_avx512(size_t rows, size_t kc, const float *src, size_t ld, float *dst, size_t dld)
{
    for (size_t r = 0; r < rows; r += 4) {
        const float *s0 = src + r * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
        float *d = dst + r;
        size_t p = 0;
        for (; p + 16 <= kc; p += 16) {
            __m512 x0 = _mm512_loadu_ps(s0 + p), x1 = _mm512_loadu_ps(s1 + p);
            __m512 x2 = _mm512_loadu_ps(s2 + p), x3 = _mm512_loadu_ps(s3 + p);
            __m512 u0 = _mm512_unpacklo_ps(x0, x1), u1 = _mm512_unpackhi_ps(x0, x1);
            __m512 u2 = _mm512_unpacklo_ps(x2, x3), u3 = _mm512_unpackhi_ps(x2, x3);
            __m512 t0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(u0), _mm512_castps_pd(u2)));
            __m512 t1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(u0), _mm512_castps_pd(u2)));
            __m512 t2 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(u1), _mm512_castps_pd(u3)));
            __m512 t3 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(u1), _mm512_castps_pd(u3)));
            /* Lane L of t_j holds rows 0..3 of column p + 4L + j. */
            float *o = d + p * dld;
            _mm_storeu_ps(o + 0 * dld, _mm512_castps512_ps128(t0));
            _mm_storeu_ps(o + 1 * dld, _mm512_castps512_ps128(t1));
            _mm_storeu_ps(o + 2 * dld, _mm512_castps512_ps128(t2));
            _mm_storeu_ps(o + 3 * dld, _mm512_castps512_ps128(t3));
            _mm_storeu_ps(o + 4 * dld, _mm512_extractf32x4_ps(t0, 1));
            _mm_storeu_ps(o + 5 * dld, _mm512_extractf32x4_ps(t1, 1));
            _mm_storeu_ps(o + 6 * dld, _mm512_extractf32x4_ps(t2, 1));
            _mm_storeu_ps(o + 7 * dld, _mm512_extractf32x4_ps(t3, 1));
            _mm_storeu_ps(o + 8 * dld, _mm512_extractf32x4_ps(t0, 2));
            _mm_storeu_ps(o + 9 * dld, _mm512_extractf32x4_ps(t1, 2));
            _mm_storeu_ps(o + 10 * dld, _mm512_extractf32x4_ps(t2, 2));
            _mm_storeu_ps(o + 11 * dld, _mm512_extractf32x4_ps(t3, 2));
            _mm_storeu_ps(o + 12 * dld, _mm512_extractf32x4_ps(t0, 3));
            _mm_storeu_ps(o + 13 * dld, _mm512_extractf32x4_ps(t1, 3));
            _mm_storeu_ps(o + 14 * dld, _mm512_extractf32x4_ps(t2, 3));
            _mm_storeu_ps(o + 15 * dld, _mm512_extractf32x4_ps(t3, 3));
        }
        for (; p < kc; ++p) {
            d[p * dld + 0] = s0[p];
            d[p * dld + 1] = s1[p];
            d[p * dld + 2] = s2[p];
            d[p * dld + 3] = s3[p];
        }
    }
}

const nnb__gemm_kernel nnb__gemm_kernel_avx512 = {"avx512", 2, MR, NR, 192, 256, 3072, ukr_avx512, transpose_avx512};

#endif
