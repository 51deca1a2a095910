/*
 * Internal: the GEMM bodies behind nnb_gemm. Arguments have been validated by gemm.c (sizes > 0, strides
 * large enough, no overflow); a body only computes C = alpha * op(A) * op(B) + beta * C (beta == 0: C is
 * write-only). Never installed.
 */
#ifndef NNB_INTERNAL_GEMM_H
#define NNB_INTERNAL_GEMM_H

#include <stddef.h>

#include "nnbasics/gemm.h"

typedef void (*nnb__gemm_fn)(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                             const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                             size_t ldc);

typedef struct nnb__gemm_body {
    const char *name;
    nnb__gemm_fn fn;
} nnb__gemm_body;

/* The reference body: double accumulation, one rounding per element. Always compiled in. */
void nnb__gemm_naive(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                     const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

#ifdef NNB_WITH_CBLAS
void nnb__gemm_cblas(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                     const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
#endif

#ifdef NNB_WITH_BUILTIN
void nnb__gemm_builtin(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                       const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
#endif

/*
 * Non-zero when the layers may use their fast, not bit-exact paths (vectorised exp/log, float32
 * small-shape products): a builtin build in NNB_ARITHMETIC_FAST mode.
 */
int nnb__fast_arithmetic(void);

/* Bodies compiled into this build, the default first. *count receives how many. */
const nnb__gemm_body *nnb__gemm_bodies(size_t *count);

/* Validates arguments and runs `fn` (shared by nnb_gemm and tests that compare bodies). */
nnb_status nnb__gemm_checked(nnb__gemm_fn fn, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K,
                             float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                             float *C, size_t ldc);

#endif
