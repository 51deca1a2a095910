/* SPDX-License-Identifier: MIT */
/* The cblas GEMM body: OpenBLAS's cblas_sgemm, row-major. Only this file includes a BLAS header. */
#include <cblas.h>
#include <limits.h>

#include "compute/gemm_body.h"

#include <stdatomic.h>

/* The thread count last passed to OpenBLAS, so that the setter runs only when nnb_set_num_threads changed. */
static atomic_int g_openblas_threads;

void nnb__gemm_cblas(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                     size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    /* cblas takes int extents; the (unlikely) larger problems use the reference loops. */
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX || lda > INT_MAX || ldb > INT_MAX || ldc > INT_MAX) {
        nnb__gemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    int threads = (int)nnb_get_num_threads();
    if (atomic_exchange(&g_openblas_threads, threads) != threads) {
        openblas_set_num_threads(threads);
    }
    cblas_sgemm(CblasRowMajor, ta == NNB_TRANS ? CblasTrans : CblasNoTrans, tb == NNB_TRANS ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}
