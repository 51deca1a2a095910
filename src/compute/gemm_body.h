/* SPDX-License-Identifier: MIT */
/*
 * Internal: what the GEMM entry point (gemm.c) and its bodies (gemm_naive.c, gemm_cblas.c, gemm_builtin.c)
 * share: the body signature, the packing memory a caller may lend, and each body's functions. Arguments
 * reaching a body have been validated by gemm.c (sizes > 0, strides large enough, no overflow); a body only
 * computes C = alpha * op(A) * op(B) + beta * C (beta == 0: C is write-only). Never installed.
 */
#ifndef NNB_COMPUTE_GEMM_BODY_H
#define NNB_COMPUTE_GEMM_BODY_H

#include <stddef.h>

#include "nnbasics/gemm.h"

typedef void (*nnb__gemm_fn)(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                             const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

typedef struct nnb__gemm_body {
    const char *name;
    nnb__gemm_fn fn;
} nnb__gemm_body;

/*
 * Caller-provided packing memory, so that a layer or model that calls the GEMM core over and over need not
 * allocate on every call: data is 64-byte aligned (nnb__aligned_alloc), bytes its size. A call that needs
 * more than `bytes` allocates for itself, as without scratch.
 */
typedef struct nnb__gemm_scratch {
    void *data;
    size_t bytes;
} nnb__gemm_scratch;

/* The reference body: double accumulation, one rounding per element. Always compiled in. */
void nnb__gemm_naive(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* cblas_sgemm (cblas builds only). */
void nnb__gemm_cblas(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* The builtin body (builtin builds only) with the kernel of the ISA in use, with or without scratch. */
void nnb__gemm_builtin(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                       size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
void nnb__gemm_builtin_ws(const nnb__gemm_scratch *scratch, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                          size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                          float *C, size_t ldc);
/* Bytes of scratch the builtin body needs to allocate nothing for an M x N x K product. */
size_t nnb__gemm_builtin_scratch_bytes(size_t M, size_t N, size_t K);

/*
 * The builtin body with each kernel the ISA in use allows, portable first, best last ("builtin-generic",
 * "builtin-avx2", "builtin-avx512"). For tests and the benchmark; nnb__gemm_builtin picks the best.
 */
const nnb__gemm_body *nnb__gemm_builtin_variants(size_t *count);

#endif
