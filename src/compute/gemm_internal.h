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
                             const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

typedef struct nnb__gemm_body {
    const char *name;
    nnb__gemm_fn fn;
} nnb__gemm_body;

/* The reference body: double accumulation, one rounding per element. Always compiled in. */
void nnb__gemm_naive(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

#ifdef NNB_WITH_CBLAS
void nnb__gemm_cblas(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
#endif

/*
 * Caller-provided packing memory, so that a layer or model that calls the GEMM core over and over need not
 * allocate on every call: data is 64-byte aligned (nnb__aligned_alloc), bytes its size. A call that needs
 * more than `bytes` allocates for itself, as without scratch.
 */
typedef struct nnb__gemm_scratch {
    void *data;
    size_t bytes;
} nnb__gemm_scratch;

/*
 * Bytes of scratch that nnb__gemm_ws needs to allocate nothing for an M x N x K product with the thread
 * setting in effect now (0 when the body in use needs none).
 */
size_t nnb__gemm_scratch_bytes(size_t M, size_t N, size_t K);

/* nnb_gemm with optional scratch (NULL = none). Same validation and statuses. */
nnb_status nnb__gemm_ws(const nnb__gemm_scratch *scratch, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                        size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                        float *C, size_t ldc);

/*
 * Grows `scratch` (owned by the caller; free its data with nnb__aligned_free) to at least `bytes`.
 * Returns NNB_ERR_NOMEM, leaving the old buffer in place.
 */
nnb_status nnb__gemm_scratch_reserve(nnb__gemm_scratch *scratch, size_t bytes);

#ifdef NNB_WITH_BUILTIN
void nnb__gemm_builtin_ws(const nnb__gemm_scratch *scratch, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                          size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                          float *C, size_t ldc);
size_t nnb__gemm_builtin_scratch_bytes(size_t M, size_t N, size_t K);
void nnb__gemm_builtin(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                       size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
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
                             float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                             size_t ldc);

#endif
