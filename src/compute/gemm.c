/* SPDX-License-Identifier: MIT */
/* The one GEMM entry point: validates arguments, then hands them to the body chosen at build time. */
#include <limits.h>
#include <stdint.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "compute/gemm_internal.h"
#include "tensor/tensor_internal.h"

#ifndef NNB_GEMM_BACKEND_NAME
#    define NNB_GEMM_BACKEND_NAME "naive"
#endif

static const nnb__gemm_body g_bodies[] = {
#if defined(NNB_WITH_BUILTIN)
    {"builtin", nnb__gemm_builtin},
#elif defined(NNB_WITH_CBLAS)
    {"cblas", nnb__gemm_cblas},
#endif
    {"naive", nnb__gemm_naive},
};

const nnb__gemm_body *nnb__gemm_bodies(size_t *count)
{
    *count = sizeof g_bodies / sizeof g_bodies[0];
    return g_bodies;
}

const char *nnb_backend_name(void)
{
    return NNB_GEMM_BACKEND_NAME;
}

/* Process-wide thread setting (documented in gemm.h); 0 = all online cores. */
static atomic_size_t g_num_threads;

nnb_status nnb_set_num_threads(size_t n)
{
    if (n > NNB_MAX_THREADS) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    atomic_store(&g_num_threads, n);
    return NNB_OK;
}

/* Number of online cores, asked once: sysconf costs microseconds, too much for every small GEMM. */
static atomic_size_t g_online_cores;

static size_t online_cores(void)
{
    size_t n = atomic_load_explicit(&g_online_cores, memory_order_relaxed);
    if (n == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (size_t)online : 1u;
        n = n > NNB_MAX_THREADS ? NNB_MAX_THREADS : n;
        atomic_store_explicit(&g_online_cores, n, memory_order_relaxed);
    }
    return n;
}

size_t nnb_get_num_threads(void)
{
    size_t n = atomic_load(&g_num_threads);
    return n == 0 ? online_cores() : n;
}

/* A stored rows x cols matrix with row stride ld spans (rows - 1) * ld + cols elements; check that it fits. */
static nnb_status check_matrix(size_t rows, size_t cols, size_t ld)
{
    size_t span;
    if (ld < cols) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    /* The span in bytes must fit too, or pointer arithmetic on the buffer could wrap. */
    if (nnb__mul_size(rows - 1u, ld, &span) != NNB_OK || span > SIZE_MAX - cols ||
        span + cols > SIZE_MAX / sizeof(float)) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    return NNB_OK;
}

/* Elements spanned by a rows x cols matrix with row stride ld (check_matrix has ruled out overflow). */
static size_t span_of(size_t rows, size_t cols, size_t ld)
{
    return (rows - 1u) * ld + cols;
}

/* Whether [a, a + na) and [b, b + nb) share an element (compared as integers: they may be distinct objects). */
static int ranges_overlap(const float *a, size_t na, const float *b, size_t nb)
{
    uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
    return a0 < b0 + nb * sizeof(float) && b0 < a0 + na * sizeof(float);
}

static nnb_status validate(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, const float *A, size_t lda,
                           const float *B, size_t ldb, const float *C, size_t ldc)
{
    if (A == NULL || B == NULL || C == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (M == 0 || N == 0 || K == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if ((ta != NNB_NO_TRANS && ta != NNB_TRANS) || (tb != NNB_NO_TRANS && tb != NNB_TRANS)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    nnb_status st = ta == NNB_NO_TRANS ? check_matrix(M, K, lda) : check_matrix(K, M, lda);
    if (st == NNB_OK) {
        st = tb == NNB_NO_TRANS ? check_matrix(K, N, ldb) : check_matrix(N, K, ldb);
    }
    if (st == NNB_OK) {
        st = check_matrix(M, N, ldc);
    }
    if (st != NNB_OK) {
        return st;
    }
    /* C is written while A and B are still being read: an overlap would feed partial results back in. */
    size_t span_c = span_of(M, N, ldc);
    size_t span_a = ta == NNB_NO_TRANS ? span_of(M, K, lda) : span_of(K, M, lda);
    size_t span_b = tb == NNB_NO_TRANS ? span_of(K, N, ldb) : span_of(N, K, ldb);
    if (ranges_overlap(C, span_c, A, span_a) || ranges_overlap(C, span_c, B, span_b)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    return NNB_OK;
}

nnb_status nnb__gemm_checked(nnb__gemm_fn fn, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K,
                             float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                             size_t ldc)
{
    if (fn == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_status st = validate(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
    if (st == NNB_OK) {
        fn(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
    return st;
}

/* Process-wide arithmetic mode (documented in gemm.h). */
static atomic_int g_arithmetic = NNB_ARITHMETIC_FAST;

nnb_status nnb_set_arithmetic(nnb_arithmetic mode)
{
    if (mode != NNB_ARITHMETIC_FAST && mode != NNB_ARITHMETIC_REFERENCE && mode != NNB_ARITHMETIC_NUMPY) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    atomic_store(&g_arithmetic, (int)mode);
    return NNB_OK;
}

nnb_arithmetic nnb_get_arithmetic(void)
{
    int mode = atomic_load(&g_arithmetic);
    return mode == NNB_ARITHMETIC_REFERENCE || mode == NNB_ARITHMETIC_NUMPY ? (nnb_arithmetic)mode
                                                                            : NNB_ARITHMETIC_FAST;
}

int nnb__fast_arithmetic(void)
{
    return atomic_load_explicit(&g_arithmetic, memory_order_relaxed) == NNB_ARITHMETIC_FAST;
}

int nnb__numpy_arithmetic(void)
{
    return atomic_load_explicit(&g_arithmetic, memory_order_relaxed) == NNB_ARITHMETIC_NUMPY;
}

int nnb__gemm_small_kernels(void)
{
#ifdef NNB_WITH_BUILTIN
    return nnb__fast_arithmetic();
#else
    return 0;
#endif
}

/* The body a call uses now: the build's default, or the naive body in the REFERENCE and NUMPY modes. */
static nnb__gemm_fn current_body(void)
{
    return nnb__fast_arithmetic() ? g_bodies[0].fn : nnb__gemm_naive;
}

size_t nnb__gemm_scratch_bytes(size_t M, size_t N, size_t K)
{
#ifdef NNB_WITH_BUILTIN
    if (current_body() == nnb__gemm_builtin && M > 0 && N > 0 && K > 0) {
        return nnb__gemm_builtin_scratch_bytes(M, N, K);
    }
#endif
    (void)M;
    (void)N;
    (void)K;
    return 0;
}

nnb_status nnb__gemm_scratch_reserve(nnb__gemm_scratch *scratch, size_t bytes)
{
    if (bytes <= scratch->bytes) {
        return NNB_OK;
    }
    void *data = nnb__aligned_alloc(bytes);
    if (data == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    nnb__aligned_free(scratch->data);
    scratch->data = data;
    scratch->bytes = bytes;
    return NNB_OK;
}

nnb_status nnb__gemm_ws(const nnb__gemm_scratch *scratch, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                        size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                        float *C, size_t ldc)
{
    nnb__gemm_fn fn = current_body();
#ifdef NNB_WITH_BUILTIN
    if (fn == nnb__gemm_builtin) {
        nnb_status st = validate(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
        if (st == NNB_OK) {
            nnb__gemm_builtin_ws(scratch, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        }
        return st;
    }
#endif
    (void)scratch;
    return nnb__gemm_checked(fn, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

nnb_status nnb_gemm(nnb_transpose trans_a, nnb_transpose trans_b, size_t M, size_t N, size_t K, float alpha,
                    const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    return nnb__gemm_checked(current_body(), trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

nnb_status nnb_matmul(nnb_transpose trans_a, nnb_transpose trans_b, float alpha, const nnb_tensor *A,
                      const nnb_tensor *B, float beta, nnb_tensor *C)
{
    if (A == NULL || B == NULL || C == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t M = trans_a == NNB_TRANS ? A->cols : A->rows;
    size_t K = trans_a == NNB_TRANS ? A->rows : A->cols;
    size_t KB = trans_b == NNB_TRANS ? B->cols : B->rows;
    size_t N = trans_b == NNB_TRANS ? B->rows : B->cols;
    if ((trans_a != NNB_NO_TRANS && trans_a != NNB_TRANS) || (trans_b != NNB_NO_TRANS && trans_b != NNB_TRANS)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (K != KB || C->rows != M || C->cols != N) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    return nnb_gemm(trans_a, trans_b, M, N, K, alpha, A->data, A->cols, B->data, B->cols, beta, C->data, C->cols);
}

nnb_status nnb_dot(const float *a, const float *b, size_t n, float *out)
{
    if (a == NULL || b == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (n == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += (double)a[i] * (double)b[i];
    }
    *out = (float)sum;
    return NNB_OK;
}
