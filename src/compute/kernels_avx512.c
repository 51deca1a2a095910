/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512 element-wise kernels (compute/kernels_isa.h), only where they measurably pay over AVX2:
 * small-shape dense products with the weights held in registers, and ReLU. Compiled without ISA flags; each
 * function carries a target attribute and is called only after the run-time check of compute/isa.c.
 */
#include <stdint.h>

#include "compute/kernels_isa.h"
#include "compute/kernels_x86_inline.h"

#if defined(NNB__ISA_X86)
#    include <immintrin.h>

#    define TGT512 __attribute__((target("avx512f,avx2,fma")))

/*
 * small_k with the K x n weights (n = 16 * NV <= 64, K <= 3) and the bias held in zmm registers for the whole
 * call: per row, K broadcasts and NV chains of one multiply, K - 1 fused multiply-adds and the bias add.
 */
TGT512 static inline __attribute__((always_inline)) void small_k_512_body(size_t rows, size_t K, size_t NV,
                                                                          const float *x, size_t ldx, const float *b,
                                                                          const float *bias, float *out)
{
    __m512 w[3][4], bz[4];
    const size_t n = 16 * NV;
    for (size_t k = 0; k < K; ++k) {
        for (size_t q = 0; q < NV; ++q) {
            w[k][q] = _mm512_loadu_ps(b + k * n + 16 * q);
        }
    }
    for (size_t q = 0; q < NV; ++q) {
        bz[q] = bias != NULL ? _mm512_loadu_ps(bias + 16 * q) : _mm512_setzero_ps();
    }
    for (size_t r = 0; r < rows; ++r) {
        const float *xr = x + r * ldx;
        float *o = out + r * n;
        __m512 xk[3];
        for (size_t k = 0; k < K; ++k) {
            xk[k] = _mm512_set1_ps(xr[k]);
        }
        for (size_t q = 0; q < NV; ++q) {
            __m512 acc = _mm512_mul_ps(xk[0], w[0][q]);
            for (size_t k = 1; k < K; ++k) {
                acc = _mm512_fmadd_ps(xk[k], w[k][q], acc);
            }
            if (bias != NULL) {
                acc = _mm512_add_ps(acc, bz[q]);
            }
            _mm512_storeu_ps(o + 16 * q, acc);
        }
    }
}

#    define SMALL_K_512_CASE(KK, NN)                                                                                   \
    case (KK)*8 + (NN): small_k_512_body(rows, KK, NN, x, ldx, b, bias, out); return 1;

/* Returns 0 (nothing done) unless K <= 3 and n is 16, 32, 48 or 64. */
TGT512 int nnb__small_k_avx512(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b,
                               const float *bias, float *out)
{
    if (K == 0 || K > 3 || n % 16 != 0 || n == 0 || n > 64) {
        return 0;
    }
    switch (K * 8 + n / 16) {
        SMALL_K_512_CASE(1, 1)
        SMALL_K_512_CASE(1, 2)
        SMALL_K_512_CASE(1, 3)
        SMALL_K_512_CASE(1, 4)
        SMALL_K_512_CASE(2, 1)
        SMALL_K_512_CASE(2, 2)
        SMALL_K_512_CASE(2, 3)
        SMALL_K_512_CASE(2, 4)
        SMALL_K_512_CASE(3, 1)
        SMALL_K_512_CASE(3, 2)
        SMALL_K_512_CASE(3, 3)
        SMALL_K_512_CASE(3, 4)
    default: return 0;
    }
}
/*
 * small_n for n = 3 and K = 16 * NV <= 64: the 3 x K weights in zmm registers for the whole call; two rows at a
 * time (a last odd row is paired with itself, so every row takes the same path and gets the same bits).
 */
TGT512 static inline __attribute__((always_inline)) void
small_n3_512_body(size_t rows, size_t NV, const float *x, size_t ldx, const float *bt, const float *bias, float *out)
{
    const size_t K = 16 * NV;
    __m512 w0[4], w1[4], w2[4];
    for (size_t q = 0; q < NV; ++q) {
        w0[q] = _mm512_loadu_ps(bt + 16 * q);
        w1[q] = _mm512_loadu_ps(bt + K + 16 * q);
        w2[q] = _mm512_loadu_ps(bt + 2 * K + 16 * q);
    }
    const __m256i lanes = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    __m256 bias6 = _mm256_setzero_ps();
    if (bias != NULL) {
        bias6 = _mm256_setr_ps(bias[0], bias[1], bias[2], bias[0], bias[1], bias[2], 0.0f, 0.0f);
    }
    for (size_t r = 0; r < rows; r += 2) {
        const float *x0 = x + r * ldx;
        const float *x1 = r + 1 < rows ? x0 + ldx : x0;
        __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        for (size_t q = 0; q < NV; ++q) {
            __m512 u = _mm512_loadu_ps(x0 + 16 * q), v = _mm512_loadu_ps(x1 + 16 * q);
            a00 = _mm512_fmadd_ps(u, w0[q], a00);
            a01 = _mm512_fmadd_ps(u, w1[q], a01);
            a02 = _mm512_fmadd_ps(u, w2[q], a02);
            a10 = _mm512_fmadd_ps(v, w0[q], a10);
            a11 = _mm512_fmadd_ps(v, w1[q], a11);
            a12 = _mm512_fmadd_ps(v, w2[q], a12);
        }
#    define HALVES(z)                                                                                                  \
        _mm256_add_ps(_mm512_castps512_ps256(z), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)))
        __m256 sums = reduce6(HALVES(a00), HALVES(a01), HALVES(a02), HALVES(a10), HALVES(a11), HALVES(a12));
#    undef HALVES
        if (bias != NULL) {
            sums = _mm256_add_ps(sums, bias6);
        }
        if (r + 1 < rows) {
            _mm256_maskstore_ps(out + r * 3, lanes, sums);
        } else {
            float t[8];
            _mm256_storeu_ps(t, sums);
            out[r * 3] = t[0];
            out[r * 3 + 1] = t[1];
            out[r * 3 + 2] = t[2];
        }
    }
}

/* Returns 0 (nothing done) unless n == 3 and K is 16, 32, 48 or 64. */
TGT512 int nnb__small_n_avx512(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt,
                               const float *bias, float *out)
{
    if (n != 3 || K % 16 != 0) {
        return 0;
    }
    switch (K / 16) {
    case 1: small_n3_512_body(rows, 1, x, ldx, bt, bias, out); return 1;
    case 2: small_n3_512_body(rows, 2, x, ldx, bt, bias, out); return 1;
    case 3: small_n3_512_body(rows, 3, x, ldx, bt, bias, out); return 1;
    case 4: small_n3_512_body(rows, 4, x, ldx, bt, bias, out); return 1;
    default: return 0;
    }
}
/* ReLU and its backward on zmm vectors (same values as the AVX2 and plain loops). */
TGT512 void nnb__relu_avx512(const float *x, float *y, size_t n)
{
    /*
     * From the end backwards: the array was usually just written front to back (the dense layer's output),
     * so its tail is still in L1; ending at the front leaves the front in L1 for the next layer's read.
     */
    const __m512 zero = _mm512_setzero_ps();
    size_t i = n;
    while (i >= 64) {
        i -= 64;
        __m512 a = _mm512_max_ps(zero, _mm512_loadu_ps(x + i + 48));
        __m512 b = _mm512_max_ps(zero, _mm512_loadu_ps(x + i + 32));
        __m512 c = _mm512_max_ps(zero, _mm512_loadu_ps(x + i + 16));
        __m512 d = _mm512_max_ps(zero, _mm512_loadu_ps(x + i));
        _mm512_storeu_ps(y + i + 48, a);
        _mm512_storeu_ps(y + i + 32, b);
        _mm512_storeu_ps(y + i + 16, c);
        _mm512_storeu_ps(y + i, d);
    }
    nnb__relu_portable(x, y, i);
}

TGT512 void nnb__relu_backward_avx512(const float *x, const float *dv, float *dx, size_t n)
{
    /* From the end backwards, for the reason given in nnb__relu_avx512 (dvalues was just written front to back). */
    const __m512 zero = _mm512_setzero_ps();
    size_t i = n;
    while (i >= 32) {
        i -= 32;
        __mmask16 k1 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 16), zero, _CMP_NLE_UQ);
        __mmask16 k0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), zero, _CMP_NLE_UQ);
        __m512 d1 = _mm512_maskz_loadu_ps(k1, dv + i + 16);
        __m512 d0 = _mm512_maskz_loadu_ps(k0, dv + i);
        _mm512_storeu_ps(dx + i + 16, d1);
        _mm512_storeu_ps(dx + i, d0);
    }
    nnb__relu_backward_portable(x, dv, dx, i);
}

#endif /* NNB__ISA_X86 */
