/* SPDX-License-Identifier: MIT */
/*
 * Internal: the GEMM entry point as the layers and the model use it (with lent packing memory), the
 * arithmetic-mode queries, and the list of bodies for tests and the benchmark. Never installed.
 */
#ifndef NNB_COMPUTE_GEMM_INTERNAL_H
#define NNB_COMPUTE_GEMM_INTERNAL_H

#include <stddef.h>

#include "compute/gemm_body.h"
#include "nnbasics/gemm.h"

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

/*
 * Non-zero in NNB_ARITHMETIC_FAST mode (any backend): the element-wise kernels may use their approximate
 * exp and log (within 2 ulp) instead of the correctly rounded ones.
 */
int nnb__fast_arithmetic(void);

/*
 * Non-zero in NNB_ARITHMETIC_NUMPY mode: the layers take exp and log from compute/numpy_math.h (numpy's
 * float32 routines, bit for bit) instead of the correctly rounded ones. Every other choice treats NUMPY as
 * REFERENCE (non-zero nnb__fast_arithmetic means FAST only).
 */
int nnb__numpy_arithmetic(void);

/*
 * Non-zero when the builtin body computes the products now (a builtin build in NNB_ARITHMETIC_FAST mode):
 * the dense products may then use the float32 small-shape kernels, which belong to that body.
 */
int nnb__gemm_small_kernels(void);

/* Bodies compiled into this build, the default first. *count receives how many. */
const nnb__gemm_body *nnb__gemm_bodies(size_t *count);

/* Validates arguments and runs `fn` (shared by nnb_gemm and tests that compare bodies). */
nnb_status nnb__gemm_checked(nnb__gemm_fn fn, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K,
                             float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                             size_t ldc);

#endif
