/* SPDX-License-Identifier: MIT */
/* The dense layer's products (compute/linear.h): small-shape kernels or the GEMM core, then bias and sums. */
#include "compute/linear.h"

#include "compute/gemm_internal.h"
#include "compute/kernels.h"

/* Forward row blocks: about this many output elements per block (L2-sized), for weights up to this size. */
#define FORWARD_BLOCK_ELEMS 16384u
#define FORWARD_BLOCK_MAX_WEIGHTS 16384u
/* Widest layer side the small-shape kernels take (their transposed weights live on the stack). */
#define SMALL_MAX_WIDTH 512u

/* dst (cols x rows) = src (rows x cols)^T. */
static void transpose_small(const float *src, size_t rows, size_t cols, float *dst)
{
    for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < cols; ++j) {
            dst[j * rows + i] = src[i * cols + j];
        }
    }
}

size_t nnb__linear_scratch_bytes(size_t rows, size_t K, size_t n)
{
    size_t sizes[3] = {nnb__gemm_scratch_bytes(rows, n, K),  /* forward */
                       nnb__gemm_scratch_bytes(K, n, rows),  /* dweights */
                       nnb__gemm_scratch_bytes(rows, K, n)}; /* dinputs */
    size_t most = 0;
    for (size_t i = 0; i < 3; ++i) {
        most = sizes[i] > most ? sizes[i] : most;
    }
    return most;
}

nnb_status nnb__linear_forward(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n, const float *x,
                               size_t ldx, const float *w, const float *bias, float *out)
{
    /* Degenerate shapes (few inputs, or few neurons) skip the GEMM's tiling: fused product + bias, in float32. */
    const int small = nnb__gemm_small_kernels();
    if (small && K <= NNB__K_SMALL_K) {
        nnb__k_small_k(rows, K, n, x, ldx, w, bias, out);
        return NNB_OK;
    }
    if (small && n <= NNB__K_SMALL_N && K <= SMALL_MAX_WIDTH) {
        float wt[NNB__K_SMALL_N * SMALL_MAX_WIDTH];
        transpose_small(w, K, n, wt);
        nnb__k_small_n(rows, K, n, x, ldx, wt, bias, out);
        return NNB_OK;
    }
    /*
     * With the builtin body, large batches through a small weight matrix go in blocks of rows, each GEMM
     * followed by its bias add while the block is still in cache (one pass over the output instead of two).
     * Splitting the rows does not change any element's arithmetic. Single-threaded only: the GEMM core
     * splits larger calls over threads itself.
     */
    size_t block = rows;
    if (small && K * n <= FORWARD_BLOCK_MAX_WEIGHTS && rows > 2u * FORWARD_BLOCK_ELEMS / n &&
        nnb_get_num_threads() == 1) {
        block = FORWARD_BLOCK_ELEMS / n;
    }
    for (size_t r0 = 0; r0 < rows; r0 += block) {
        size_t nr = rows - r0 < block ? rows - r0 : block;
        nnb_status st = nnb__gemm_ws(scratch, NNB_NO_TRANS, NNB_NO_TRANS, nr, n, K, 1.0f, x + r0 * ldx, ldx, w, n, 0.0f,
                                     out + r0 * n, n);
        if (st != NNB_OK) {
            return st;
        }
        /* The bias is added after the product is rounded, in float32, as numpy does. */
        nnb__k_add_bias(out + r0 * n, bias, nr, n);
    }
    return NNB_OK;
}

nnb_status nnb__linear_backward_params(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n,
                                       const float *x, const float *dv, float *dw, float *db)
{
    if (nnb__gemm_small_kernels() && (K <= NNB__K_SMALL_N || n <= NNB__K_SMALL_N)) {
        /* Both from one pass over dvalues where the shape allows (the same column sums). */
        nnb__k_at_b(rows, K, n, x, dv, dw, db);
        return NNB_OK;
    }
    nnb_status st = nnb__gemm_ws(scratch, NNB_TRANS, NNB_NO_TRANS, K, n, rows, 1.0f, x, K, dv, n, 0.0f, dw, n);
    if (st != NNB_OK) {
        return st;
    }
    nnb__k_col_sum(dv, rows, n, db);
    return NNB_OK;
}

nnb_status nnb__linear_backward_input(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n,
                                      const float *dv, const float *w, float *dx)
{
    const int small = nnb__gemm_small_kernels();
    if (small && n <= NNB__K_SMALL_K && K <= SMALL_MAX_WIDTH) {
        float wt[NNB__K_SMALL_K * SMALL_MAX_WIDTH];
        transpose_small(w, K, n, wt);
        nnb__k_small_k(rows, n, K, dv, n, wt, NULL, dx);
        return NNB_OK;
    }
    if (small && K <= NNB__K_SMALL_N) {
        nnb__k_small_n(rows, n, K, dv, n, w, NULL, dx);
        return NNB_OK;
    }
    return nnb__gemm_ws(scratch, NNB_NO_TRANS, NNB_TRANS, rows, K, n, 1.0f, dv, n, w, n, 0.0f, dx, K);
}
