/* SPDX-License-Identifier: MIT */
/*
 * The AVX2 + FMA element-wise kernels (compute/kernels_isa.h). The file is compiled without ISA flags: each
 * function carries a target attribute and is called only after the run-time check of compute/isa.c.
 *
 * The exact kernels use only IEEE operations that round once (add, mul, div, sqrt, compare/blend), in the
 * order of the reference loops, never contracted into fused multiply-adds, so they give the reference bits.
 * exp and log are Cephes-style polynomials evaluated with FMA (measured against double precision: <= 2 ulp).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "compute/kernels_isa.h"
#include "compute/kernels_x86_inline.h"
#include "tensor/tensor_internal.h"

#if defined(NNB__ISA_X86)
#    include <immintrin.h>

#    define TGT __attribute__((target("avx2,fma")))

TGT void nnb__relu_avx2(const float *x, float *y, size_t n)
{
    /* Back to front, as nnb__relu_avx512 (see there). max(0, x) returns its second operand for NaN and for -0,
     * as x < 0 ? 0 : x does. */
    const __m256 zero = _mm256_setzero_ps();
    size_t i = n;
    while (i >= 32) {
        i -= 32;
        __m256 a = _mm256_max_ps(zero, _mm256_loadu_ps(x + i + 24));
        __m256 b = _mm256_max_ps(zero, _mm256_loadu_ps(x + i + 16));
        __m256 c = _mm256_max_ps(zero, _mm256_loadu_ps(x + i + 8));
        __m256 d = _mm256_max_ps(zero, _mm256_loadu_ps(x + i));
        _mm256_storeu_ps(y + i + 24, a);
        _mm256_storeu_ps(y + i + 16, b);
        _mm256_storeu_ps(y + i + 8, c);
        _mm256_storeu_ps(y + i, d);
    }
    nnb__relu_portable(x, y, i);
}

TGT void nnb__relu_backward_avx2(const float *x, const float *dv, float *dx, size_t n)
{
    /* Back to front, as nnb__relu_backward_avx512. */
    const __m256 zero = _mm256_setzero_ps();
    size_t i = n;
    while (i >= 16) {
        i -= 16;
        __m256 k1 = _mm256_cmp_ps(_mm256_loadu_ps(x + i + 8), zero, _CMP_LE_OQ);
        __m256 k0 = _mm256_cmp_ps(_mm256_loadu_ps(x + i), zero, _CMP_LE_OQ);
        __m256 d1 = _mm256_andnot_ps(k1, _mm256_loadu_ps(dv + i + 8));
        __m256 d0 = _mm256_andnot_ps(k0, _mm256_loadu_ps(dv + i));
        _mm256_storeu_ps(dx + i + 8, d1);
        _mm256_storeu_ps(dx + i, d0);
    }
    nnb__relu_backward_portable(x, dv, dx, i);
}

TGT void nnb__add_bias_avx2(float *c, const float *b, size_t rows, size_t cols)
{
    if (cols < 8) {
        for (size_t r = 0; r < rows; ++r) {
            float *row = c + r * cols;
            for (size_t j = 0; j < cols; ++j) {
                row[j] += b[j];
            }
        }
        return;
    }
    for (size_t r = 0; r < rows; ++r) {
        float *row = c + r * cols;
        size_t j = 0;
        for (; j + 8 <= cols; j += 8) {
            _mm256_storeu_ps(row + j, _mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(b + j)));
        }
        for (; j < cols; ++j) {
            row[j] += b[j];
        }
    }
}

TGT void nnb__col_sum_avx2(const float *x, size_t rows, size_t cols, float *out)
{
    size_t j = 0;
    /* 32 columns at a time in four accumulators, each summed over the rows in order. */
    for (; j + 32 <= cols; j += 32) {
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (size_t r = 0; r < rows; ++r) {
            const float *row = x + r * cols + j;
            s0 = _mm256_add_ps(s0, _mm256_loadu_ps(row));
            s1 = _mm256_add_ps(s1, _mm256_loadu_ps(row + 8));
            s2 = _mm256_add_ps(s2, _mm256_loadu_ps(row + 16));
            s3 = _mm256_add_ps(s3, _mm256_loadu_ps(row + 24));
        }
        _mm256_storeu_ps(out + j, s0);
        _mm256_storeu_ps(out + j + 8, s1);
        _mm256_storeu_ps(out + j + 16, s2);
        _mm256_storeu_ps(out + j + 24, s3);
    }
    for (; j + 8 <= cols; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (size_t r = 0; r < rows; ++r) {
            s = _mm256_add_ps(s, _mm256_loadu_ps(x + r * cols + j));
        }
        _mm256_storeu_ps(out + j, s);
    }
    if (j < cols) {
        size_t rest = cols - j;
        float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (size_t r = 0; r < rows; ++r) {
            const float *row = x + r * cols + j;
            for (size_t k = 0; k < rest; ++k) {
                s[k] += row[k];
            }
        }
        memcpy(out + j, s, rest * sizeof(float));
    }
}

TGT void nnb__div_avx2(const float *x, float d, float *y, size_t n)
{
    const __m256 vd = _mm256_set1_ps(d);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_div_ps(_mm256_loadu_ps(x + i), vd);
        __m256 b = _mm256_div_ps(_mm256_loadu_ps(x + i + 8), vd);
        _mm256_storeu_ps(y + i, a);
        _mm256_storeu_ps(y + i + 8, b);
    }
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_div_ps(_mm256_loadu_ps(x + i), vd));
    }
    nnb__div_portable(x + i, d, y + i, n - i);
}

/*
 * exp(x) for x in [-87, 88]: x = k ln2 + r with k = round(x / ln2) and |r| <= ln2 / 2 (ln2 split in two
 * parts so that k * hi is exact), exp(r) by a degree-7 polynomial (Cephes' coefficients), times 2^k built in
 * the exponent bits. Vectors with a lane outside that range (or NaN) go through expf lane by lane.
 */
TGT static inline __m256 exp_core(__m256 x)
{
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f);
    const __m256 ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    __m256 k = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(k, ln2_hi, x);
    r = _mm256_fnmadd_ps(k, ln2_lo, r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/*
 * One block of 8 values through a vector core valid on [lo, hi]: a block with a lane outside that range (or
 * NaN) takes the scalar function lane by lane, so that each value depends on its own input only (never on
 * its neighbours). The cores are always inlined through the constant function pointers.
 */
TGT static inline __attribute__((always_inline)) void map_block8(const float *x, float *y, __m256 (*core)(__m256),
                                                                 float (*scalar)(float), __m256 lo, __m256 hi)
{
    __m256 v = _mm256_loadu_ps(x);
    __m256 inside = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), _mm256_cmp_ps(v, hi, _CMP_LE_OQ));
    int in_mask = _mm256_movemask_ps(inside);
    __m256 e = core(v);
    if (in_mask == 0xff) {
        _mm256_storeu_ps(y, e);
        return;
    }
    float t[8], u[8];
    _mm256_storeu_ps(t, e);
    _mm256_storeu_ps(u, v);
    for (int l = 0; l < 8; ++l) {
        y[l] = (in_mask >> l) & 1 ? t[l] : scalar(u[l]);
    }
}

/* y = f(x) over n values in blocks of 8; the last partial block is padded with `pad`, a value inside range. */
TGT static inline __attribute__((always_inline)) void map8(const float *x, float *y, size_t n, __m256 (*core)(__m256),
                                                           float (*scalar)(float), float lo, float hi, float pad)
{
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        map_block8(x + i, y + i, core, scalar, vlo, vhi);
    }
    if (i < n) {
        float buf[8] = {pad, pad, pad, pad, pad, pad, pad, pad};
        memcpy(buf, x + i, (n - i) * sizeof(float));
        map_block8(buf, buf, core, scalar, vlo, vhi);
        memcpy(y + i, buf, (n - i) * sizeof(float));
    }
}

static float exp_scalar(float v)
{
    return expf(v);
}

TGT void nnb__exp_avx2(const float *x, float *y, size_t n)
{
    map8(x, y, n, exp_core, exp_scalar, -87.0f, 88.0f, 0.0f);
}

/*
 * -log(x) for positive normal x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 + f^3 P(f) with
 * f = m - 1 (Cephes' degree-8 P), plus e ln2 in two parts. Vectors with a non-normal lane use logf.
 */
TGT static inline __m256 neg_log_core(__m256 x)
{
    __m256i bits = _mm256_castps_si256(x);
    __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126));
    __m256 m = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
    /* m in [0.5, 1): below sqrt(1/2) use 2m - 1 and e - 1, else m - 1. */
    __m256 small = _mm256_cmp_ps(m, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
    __m256 ef = _mm256_cvtepi32_ps(e);
    ef = _mm256_sub_ps(ef, _mm256_and_ps(small, _mm256_set1_ps(1.0f)));
    __m256 f = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(small, m)), _mm256_set1_ps(1.0f));
    __m256 z = _mm256_mul_ps(f, f);
    __m256 p = _mm256_set1_ps(7.0376836292e-2f);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.1514610310e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.1676998740e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.2420140846e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.4249322787e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.6668057665e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.0000714765e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-2.4999993993e-1f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(3.3333331174e-1f));
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
    y = _mm256_fmadd_ps(ef, _mm256_set1_ps(-2.12194440e-4f), y);
    y = _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), z, y);
    __m256 r = _mm256_add_ps(f, y);
    r = _mm256_fmadd_ps(ef, _mm256_set1_ps(0.693359375f), r);
    return _mm256_sub_ps(_mm256_setzero_ps(), r);
}

static float neg_log_scalar(float v)
{
    return -logf(v);
}

/* Range: the positive normal floats (1.17549435e-38 is the smallest, 3.40282347e+38 the largest). */
TGT void nnb__neg_log_avx2(const float *x, float *y, size_t n)
{
    map8(x, y, n, neg_log_core, neg_log_scalar, 1.17549435e-38f, 3.40282347e+38f, 1.0f);
}

TGT void nnb__adam_avx2(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n)
{
    const __m256 b1 = _mm256_set1_ps(c->b1), b2 = _mm256_set1_ps(c->b2);
    const __m256 omb1 = _mm256_set1_ps(c->one_minus_b1), omb2 = _mm256_set1_ps(c->one_minus_b2);
    const __m256 corr1 = _mm256_set1_ps(c->corr1), corr2 = _mm256_set1_ps(c->corr2);
    const __m256 neg_lr = _mm256_set1_ps(c->neg_lr), eps = _mm256_set1_ps(c->eps);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(omb1, gi));
        __m256 vi =
            _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(omb2, _mm256_mul_ps(gi, gi)));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 m_hat = _mm256_div_ps(mi, corr1);
        __m256 v_hat = _mm256_div_ps(vi, corr2);
        __m256 step = _mm256_div_ps(_mm256_mul_ps(neg_lr, m_hat), _mm256_add_ps(_mm256_sqrt_ps(v_hat), eps));
        _mm256_storeu_ps(w + i, _mm256_add_ps(_mm256_loadu_ps(w + i), step));
    }
    nnb__adam_portable(c, w + i, g + i, m + i, v + i, n - i);
}
/* ---- small-shape dense products (AVX2) ---- */

/* Sum of the 8 lanes in the order of reduce6: ((v0 + v1) + (v2 + v3)) + ((v4 + v5) + (v6 + v7)). */
TGT static inline float hsum8(__m256 v)
{
    __m256 h = _mm256_hadd_ps(v, v);
    h = _mm256_hadd_ps(h, h);
    __m128 s = _mm_add_ss(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    return _mm_cvtss_f32(s);
}

/* Columns j0 .. j0 + 8 * NV - 1 of one output row: products with fused multiply-adds, then the bias. */
#    define SMALL_K_CHUNK(NV)                                                                                          \
        {                                                                                                              \
            __m256 acc[NV];                                                                                            \
            __m256 x0 = _mm256_broadcast_ss(xr);                                                                       \
            for (size_t q = 0; q < (NV); ++q) {                                                                        \
                acc[q] = _mm256_mul_ps(x0, _mm256_loadu_ps(b + j + 8 * q));                                            \
            }                                                                                                          \
            for (size_t k = 1; k < K; ++k) {                                                                           \
                __m256 xk = _mm256_broadcast_ss(xr + k);                                                               \
                for (size_t q = 0; q < (NV); ++q) {                                                                    \
                    acc[q] = _mm256_fmadd_ps(xk, _mm256_loadu_ps(b + k * n + j + 8 * q), acc[q]);                      \
                }                                                                                                      \
            }                                                                                                          \
            for (size_t q = 0; q < (NV); ++q) {                                                                        \
                if (bias != NULL) {                                                                                    \
                    acc[q] = _mm256_add_ps(acc[q], _mm256_loadu_ps(bias + j + 8 * q));                                 \
                }                                                                                                      \
                _mm256_storeu_ps(o + j + 8 * q, acc[q]);                                                               \
            }                                                                                                          \
        }

TGT static inline __attribute__((always_inline)) void
small_k_body(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b, const float *bias, float *out)
{
    for (size_t r = 0; r < rows; ++r) {
        const float *xr = x + r * ldx;
        float *o = out + r * n;
        size_t j = 0;
        for (; j + 32 <= n; j += 32) {
            SMALL_K_CHUNK(4)
        }
        for (; j + 8 <= n; j += 8) {
            SMALL_K_CHUNK(1)
        }
        for (; j < n; ++j) {
            float acc = xr[0] * b[j];
            for (size_t k = 1; k < K; ++k) {
                acc = fmaf(xr[k], b[k * n + j], acc);
            }
            o[j] = bias != NULL ? acc + bias[j] : acc;
        }
    }
}

/* The body with the inner dimension fixed at compile time for the common tiny K (unrolled, in registers). */
TGT void nnb__small_k_avx2(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b,
                           const float *bias, float *out)
{
    switch (K) {
    case 1: small_k_body(rows, 1, n, x, ldx, b, bias, out); break;
    case 2: small_k_body(rows, 2, n, x, ldx, b, bias, out); break;
    case 3: small_k_body(rows, 3, n, x, ldx, b, bias, out); break;
    default: small_k_body(rows, K, n, x, ldx, b, bias, out); break;
    }
}

/* Dot products of one row of x with the n <= 4 rows of bt, 8 lanes at a time, then a scalar tail. */
TGT static void small_n_row(size_t K, size_t n, const float *xr, const float *bt, const float *bias, float *o)
{
    __m256 acc[NNB__K_SMALL_N];
    for (size_t j = 0; j < n; ++j) {
        acc[j] = _mm256_setzero_ps();
    }
    size_t k = 0;
    for (; k + 8 <= K; k += 8) {
        __m256 xv = _mm256_loadu_ps(xr + k);
        for (size_t j = 0; j < n; ++j) {
            acc[j] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(bt + j * K + k), acc[j]);
        }
    }
    for (size_t j = 0; j < n; ++j) {
        float s = hsum8(acc[j]);
        for (size_t t = k; t < K; ++t) {
            s = fmaf(xr[t], bt[j * K + t], s);
        }
        o[j] = bias != NULL ? s + bias[j] : s;
    }
}

TGT void nnb__small_n_avx2(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt,
                           const float *bias, float *out)
{
    if (n == 3 && K % 8 == 0) {
        /* The spiral network's output layer: two rows at a time, six independent accumulators reduced together. */
        const __m256i lanes = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
        __m256 bias6 = _mm256_setzero_ps();
        if (bias != NULL) {
            bias6 = _mm256_setr_ps(bias[0], bias[1], bias[2], bias[0], bias[1], bias[2], 0.0f, 0.0f);
        }
        size_t r = 0;
        for (; r + 2 <= rows; r += 2) {
            const float *x0 = x + r * ldx, *x1 = x0 + ldx;
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
            for (size_t k = 0; k < K; k += 8) {
                __m256 b0 = _mm256_loadu_ps(bt + k), b1 = _mm256_loadu_ps(bt + K + k);
                __m256 b2 = _mm256_loadu_ps(bt + 2 * K + k);
                __m256 u = _mm256_loadu_ps(x0 + k), w = _mm256_loadu_ps(x1 + k);
                a00 = _mm256_fmadd_ps(u, b0, a00);
                a01 = _mm256_fmadd_ps(u, b1, a01);
                a02 = _mm256_fmadd_ps(u, b2, a02);
                a10 = _mm256_fmadd_ps(w, b0, a10);
                a11 = _mm256_fmadd_ps(w, b1, a11);
                a12 = _mm256_fmadd_ps(w, b2, a12);
            }
            __m256 sums = reduce6(a00, a01, a02, a10, a11, a12);
            if (bias != NULL) {
                sums = _mm256_add_ps(sums, bias6);
            }
            _mm256_maskstore_ps(out + r * 3, lanes, sums);
        }
        for (; r < rows; ++r) {
            small_n_row(K, n, x + r * ldx, bt, bias, out + r * n);
        }
        return;
    }
    for (size_t r = 0; r < rows; ++r) {
        small_n_row(K, n, x + r * ldx, bt, bias, out + r * n);
    }
}

/*
 * 16 columns j0 .. j0 + 15 of out = u^T v for a compile-time A <= 4, in one pass over the rows (each row's
 * 16 values are one cache line): A x 2 accumulators, plus 2 for the plain column sums of v when sum != NULL
 * (added in row order from 0, exactly as the reference column sum).
 */
TGT static inline __attribute__((always_inline)) void at_b_cols16(size_t rows, size_t A, size_t b, size_t j0,
                                                                  const float *u, const float *v, float *out,
                                                                  float *sum, int first)
{
    __m256 lo[NNB__K_SMALL_N], hi[NNB__K_SMALL_N];
    __m256 slo = _mm256_setzero_ps(), shi = _mm256_setzero_ps();
    for (size_t i = 0; i < A; ++i) {
        lo[i] = _mm256_setzero_ps();
        hi[i] = _mm256_setzero_ps();
    }
    if (!first) {
        /* Continue the sums of the previous row block (same order as one long loop). */
        for (size_t i = 0; i < A; ++i) {
            lo[i] = _mm256_loadu_ps(out + i * b + j0);
            hi[i] = _mm256_loadu_ps(out + i * b + j0 + 8);
        }
        if (sum != NULL) {
            slo = _mm256_loadu_ps(sum + j0);
            shi = _mm256_loadu_ps(sum + j0 + 8);
        }
    }
    for (size_t r = 0; r < rows; ++r) {
        const float *vr = v + r * b + j0;
        __m256 v0 = _mm256_loadu_ps(vr), v1 = _mm256_loadu_ps(vr + 8);
        for (size_t i = 0; i < A; ++i) {
            __m256 ui = _mm256_broadcast_ss(u + r * A + i);
            lo[i] = _mm256_fmadd_ps(ui, v0, lo[i]);
            hi[i] = _mm256_fmadd_ps(ui, v1, hi[i]);
        }
        if (sum != NULL) {
            slo = _mm256_add_ps(slo, v0);
            shi = _mm256_add_ps(shi, v1);
        }
    }
    for (size_t i = 0; i < A; ++i) {
        _mm256_storeu_ps(out + i * b + j0, lo[i]);
        _mm256_storeu_ps(out + i * b + j0 + 8, hi[i]);
    }
    if (sum != NULL) {
        _mm256_storeu_ps(sum + j0, slo);
        _mm256_storeu_ps(sum + j0 + 8, shi);
    }
}

/* Widest a of the b-small path of at_b (its partial sums live on the stack). */

/*
 * Rows i0 .. i0 + 15 of out = u^T v for a compile-time B <= 4: 2 x B accumulators along a, partial sums kept
 * transposed in part[j * a + i] between row blocks.
 */
TGT static inline __attribute__((always_inline)) void
at_b_rows16(size_t rows, size_t a, size_t B, size_t i0, const float *u, const float *v, float *part, int first)
{
    __m256 lo[NNB__K_SMALL_N], hi[NNB__K_SMALL_N];
    for (size_t j = 0; j < B; ++j) {
        lo[j] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(part + j * a + i0);
        hi[j] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(part + j * a + i0 + 8);
    }
    for (size_t r = 0; r < rows; ++r) {
        __m256 u0 = _mm256_loadu_ps(u + r * a + i0), u1 = _mm256_loadu_ps(u + r * a + i0 + 8);
        for (size_t j = 0; j < B; ++j) {
            __m256 vj = _mm256_broadcast_ss(v + r * B + j);
            lo[j] = _mm256_fmadd_ps(u0, vj, lo[j]);
            hi[j] = _mm256_fmadd_ps(u1, vj, hi[j]);
        }
    }
    for (size_t j = 0; j < B; ++j) {
        _mm256_storeu_ps(part + j * a + i0, lo[j]);
        _mm256_storeu_ps(part + j * a + i0 + 8, hi[j]);
    }
}

/* Case a <= 4, b % 16 == 0: the 16-column chunks j_begin .. j_end (multiples of 16) of out and sum. */
TGT void nnb__at_b_cols_avx2(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum,
                             size_t j_begin, size_t j_end)
{
    /* Blocks of rows (about 16 KiB of v) so that the column passes after the first hit L1. */
    size_t block = b >= 4096u ? 1u : 4096u / b;
    for (size_t r0 = 0; r0 < rows; r0 += block) {
        size_t nr = rows - r0 < block ? rows - r0 : block;
        const float *ub = u + r0 * a, *vb = v + r0 * b;
        for (size_t j = j_begin; j < j_end; j += 16) {
            switch (a) {
            case 1: at_b_cols16(nr, 1, b, j, ub, vb, out, sum, r0 == 0); break;
            case 2: at_b_cols16(nr, 2, b, j, ub, vb, out, sum, r0 == 0); break;
            case 3: at_b_cols16(nr, 3, b, j, ub, vb, out, sum, r0 == 0); break;
            default: at_b_cols16(nr, 4, b, j, ub, vb, out, sum, r0 == 0); break;
            }
        }
    }
}

/* Case b <= 4, a % 16 == 0, a <= NNB__AT_B_MAX_A: rows i_begin .. i_end (multiples of 16) of out. */
TGT void nnb__at_b_arows_avx2(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out,
                              size_t i_begin, size_t i_end)
{
    /* Partial sums along a in part[j][i] (transposed into out at the end), rows in L1-sized blocks. */
    float part[NNB__K_SMALL_N * NNB__AT_B_MAX_A];
    size_t block = a >= 4096u ? 1u : 4096u / a;
    for (size_t r0 = 0; r0 < rows; r0 += block) {
        size_t nr = rows - r0 < block ? rows - r0 : block;
        const float *ub = u + r0 * a, *vb = v + r0 * b;
        for (size_t i = i_begin; i < i_end; i += 16) {
            switch (b) {
            case 1: at_b_rows16(nr, a, 1, i, ub, vb, part, r0 == 0); break;
            case 2: at_b_rows16(nr, a, 2, i, ub, vb, part, r0 == 0); break;
            case 3: at_b_rows16(nr, a, 3, i, ub, vb, part, r0 == 0); break;
            default: at_b_rows16(nr, a, 4, i, ub, vb, part, r0 == 0); break;
            }
        }
    }
    for (size_t i = i_begin; i < i_end; ++i) {
        for (size_t j = 0; j < b; ++j) {
            out[i * b + j] = part[j * a + i];
        }
    }
}
/*
 * Softmax of 8 rows of `cols` (2 .. 16) values at once, one vector per column (gathered across the rows):
 * the same steps as the reference (max, float32 difference, exp, sum in column order from the first term,
 * one division per element), the exp by exp_core, or expf lane by lane when a difference is below -87.
 */
TGT static inline __attribute__((always_inline)) void softmax8_body(const float *src, float *dst, size_t cols)
{
    __m256 c[16];
    const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)cols));
    __m256 m = _mm256_i32gather_ps(src, idx, 4);
    c[0] = m;
    for (size_t j = 1; j < cols; ++j) {
        c[j] = _mm256_i32gather_ps(src + j, idx, 4);
        m = _mm256_max_ps(m, c[j]);
    }
    const __m256 lo = _mm256_set1_ps(-87.0f);
    int slow = 0;
    for (size_t j = 0; j < cols; ++j) {
        c[j] = _mm256_sub_ps(c[j], m);
        slow |= _mm256_movemask_ps(_mm256_cmp_ps(c[j], lo, _CMP_LT_OQ));
    }
    if (slow) {
        /* The same per-element choice as nnb__k_exp (exp_core in range, expf outside). */
        for (size_t j = 0; j < cols; ++j) {
            float t[8];
            _mm256_storeu_ps(t, c[j]);
            nnb__exp_avx2(t, t, 8);
            c[j] = _mm256_loadu_ps(t);
        }
    } else {
        for (size_t j = 0; j < cols; ++j) {
            c[j] = exp_core(c[j]);
        }
    }
    __m256 sum = c[0];
    for (size_t j = 1; j < cols; ++j) {
        sum = _mm256_add_ps(sum, c[j]);
    }
    float t[16][8];
    for (size_t j = 0; j < cols; ++j) {
        _mm256_storeu_ps(t[j], _mm256_div_ps(c[j], sum));
    }
    for (size_t r = 0; r < 8; ++r) {
        for (size_t j = 0; j < cols; ++j) {
            dst[r * cols + j] = t[j][r];
        }
    }
}

/* One row: the reference steps with the vectorised exp (see nnb__softmax_portable for other CPUs). */
static void softmax_row_fast(const float *src, float *dst, size_t cols)
{
    float max = src[0];
    for (size_t j = 1; j < cols; ++j) {
        if (src[j] > max) {
            max = src[j];
        }
    }
    for (size_t j = 0; j < cols; ++j) {
        dst[j] = src[j] - max;
    }
    nnb__k_exp(dst, dst, cols);
    float sum = 0.0f;
    for (size_t j = 0; j < cols; ++j) {
        sum += dst[j];
    }
    for (size_t j = 0; j < cols; ++j) {
        dst[j] /= sum;
    }
}

/*
 * Three columns (the spiral classifier): 8 rows = 3 contiguous vectors, split into one vector per column
 * with blends and lane permutations (and merged back the same way) instead of gathers and scalar stores.
 */
TGT static void softmax8x3_avx2(const float *src, float *dst)
{
    const __m256i p0 = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
    const __m256i p1 = _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6);
    const __m256i p2 = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
    const __m256i q1 = _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2);
    __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8), c = _mm256_loadu_ps(src + 16);
    __m256 c0 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24), p0);
    __m256 c1 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49), p1);
    __m256 c2 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92), p2);
    __m256 m = _mm256_max_ps(_mm256_max_ps(c0, c1), c2);
    c0 = _mm256_sub_ps(c0, m);
    c1 = _mm256_sub_ps(c1, m);
    c2 = _mm256_sub_ps(c2, m);
    const __m256 lo = _mm256_set1_ps(-87.0f);
    __m256 low = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(c0, lo, _CMP_LT_OQ), _mm256_cmp_ps(c1, lo, _CMP_LT_OQ)),
                              _mm256_cmp_ps(c2, lo, _CMP_LT_OQ));
    if (_mm256_movemask_ps(low) != 0) {
        softmax8_body(src, dst, 3);
        return;
    }
    c0 = exp_core(c0);
    c1 = exp_core(c1);
    c2 = exp_core(c2);
    __m256 sum = _mm256_add_ps(_mm256_add_ps(c0, c1), c2);
    __m256 t0 = _mm256_permutevar8x32_ps(_mm256_div_ps(c0, sum), p0);
    __m256 t1 = _mm256_permutevar8x32_ps(_mm256_div_ps(c1, sum), q1);
    __m256 t2 = _mm256_permutevar8x32_ps(_mm256_div_ps(c2, sum), p2);
    _mm256_storeu_ps(dst, _mm256_blend_ps(_mm256_blend_ps(t0, t1, 0x92), t2, 0x24));
    _mm256_storeu_ps(dst + 8, _mm256_blend_ps(_mm256_blend_ps(t0, t1, 0x24), t2, 0x49));
    _mm256_storeu_ps(dst + 16, _mm256_blend_ps(_mm256_blend_ps(t0, t1, 0x49), t2, 0x92));
}

/* The body with the width fixed at compile time for the common output layers (unrolled, in registers). */
TGT static void softmax8_avx2(const float *src, float *dst, size_t cols)
{
    switch (cols) {
    case 2: softmax8_body(src, dst, 2); break;
    case 3: softmax8x3_avx2(src, dst); break;
    case 10: softmax8_body(src, dst, 10); break;
    default: softmax8_body(src, dst, cols); break;
    }
}

TGT void nnb__softmax_avx2(const float *src, float *dst, size_t rows, size_t cols)
{
    size_t r = 0;
    if (cols >= 2 && cols <= 16) {
        for (; r + 8 <= rows; r += 8) {
            softmax8_avx2(src + r * cols, dst + r * cols, cols);
        }
    }
    for (; r < rows; ++r) {
        softmax_row_fast(src + r * cols, dst + r * cols, cols);
    }
}

TGT int nnb__nonfinite_avx2(const float *x, size_t n)
{
    const __m256 inf = _mm256_set1_ps(INFINITY), ninf = _mm256_set1_ps(-INFINITY);
    __m256 bad = _mm256_setzero_ps(), neg = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        bad = _mm256_or_ps(bad, _mm256_or_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(v, inf, _CMP_EQ_OQ)));
        neg = _mm256_or_ps(neg, _mm256_cmp_ps(v, ninf, _CMP_EQ_OQ));
    }
    int flags = (_mm256_movemask_ps(bad) != 0 ? 1 : 0) | (_mm256_movemask_ps(neg) != 0 ? 2 : 0);
    for (; i < n; ++i) {
        flags |= ((x[i] != x[i]) | (x[i] == INFINITY)) | (x[i] == -INFINITY ? 2 : 0);
    }
    return flags;
}

/* ---- categorical accuracy ---- */

/* Three columns, 8 rows at a time (split into column vectors as softmax8x3_avx2 does); NaN groups go scalar. */
TGT size_t nnb__argmax_hits_avx2(const float *pred, size_t rows, size_t cols, const uint32_t *labels)
{
    if (cols != 3) {
        return nnb__argmax_hits_portable(pred, rows, cols, labels);
    }
    const __m256i p0 = _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5);
    const __m256i p1 = _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6);
    const __m256i p2 = _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7);
    const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
    size_t hits = 0, r = 0;
    for (; r + 8 <= rows; r += 8) {
        const float *src = pred + r * 3;
        __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8), c = _mm256_loadu_ps(src + 16);
        __m256 nan = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q), _mm256_cmp_ps(b, b, _CMP_UNORD_Q)),
                                  _mm256_cmp_ps(c, c, _CMP_UNORD_Q));
        if (_mm256_movemask_ps(nan) != 0) {
            hits += nnb__argmax_hits_portable(src, 8, 3, labels + r);
            continue;
        }
        __m256 c0 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24), p0);
        __m256 c1 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49), p1);
        __m256 c2 = _mm256_permutevar8x32_ps(_mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92), p2);
        __m256 m1 = _mm256_cmp_ps(c1, c0, _CMP_GT_OQ);
        __m256 best = _mm256_blendv_ps(c0, c1, m1);
        __m256i idx = _mm256_and_si256(_mm256_castps_si256(m1), one);
        __m256 m2 = _mm256_cmp_ps(c2, best, _CMP_GT_OQ);
        idx = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(idx), _mm256_castsi256_ps(two), m2));
        __m256i lab = _mm256_loadu_si256((const __m256i *)(const void *)(labels + r));
        int eq = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, lab)));
        hits += (size_t)__builtin_popcount((unsigned)eq);
    }
    return hits + nnb__argmax_hits_portable(pred + r * 3, rows - r, 3, labels + r);
}

#endif /* NNB__ISA_X86 */
