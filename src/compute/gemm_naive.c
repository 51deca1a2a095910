/* SPDX-License-Identifier: MIT */
/*
 * The naive GEMM body: the lesson's loops. Every element of C is one dot product over k, accumulated in
 * double in increasing k and rounded once, like numpy's float64 np.dot under nnfs. The loop runs i-k-j
 * over a strip of double accumulators (so that the inner loop walks rows of B), which keeps the same
 * per-element summation order as the textbook i-j-k loop while being fast enough to train with.
 */
#include "compute/gemm_body.h"

#define STRIP 256

static inline float elem(const float *X, size_t ld, nnb_transpose t, size_t r, size_t c)
{
    return t == NNB_NO_TRANS ? X[r * ld + c] : X[c * ld + r];
}

void nnb__gemm_naive(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    double acc[STRIP];
    for (size_t i = 0; i < M; ++i) {
        for (size_t j0 = 0; j0 < N; j0 += STRIP) {
            size_t width = N - j0 < STRIP ? N - j0 : STRIP;
            for (size_t j = 0; j < width; ++j) {
                acc[j] = 0.0;
            }
            for (size_t k = 0; k < K; ++k) {
                double a = (double)elem(A, lda, ta, i, k);
                if (tb == NNB_NO_TRANS) {
                    const float *brow = B + k * ldb + j0;
                    for (size_t j = 0; j < width; ++j) {
                        acc[j] += a * (double)brow[j];
                    }
                } else {
                    for (size_t j = 0; j < width; ++j) {
                        acc[j] += a * (double)B[(j0 + j) * ldb + k];
                    }
                }
            }
            float *crow = C + i * ldc + j0;
            for (size_t j = 0; j < width; ++j) {
                double value = (double)alpha * acc[j];
                if (beta != 0.0f) {
                    value += (double)beta * (double)crow[j];
                }
                crow[j] = (float)value;
            }
        }
    }
}
