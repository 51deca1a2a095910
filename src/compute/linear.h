/* SPDX-License-Identifier: MIT */
/*
 * Internal: the three products of a dense (fully connected) layer, for any GEMM body and ISA. Never installed.
 *
 * Shapes: x is rows x K (row stride ldx), w is K x n, bias and the column sums have n entries; everything
 * else is contiguous. Arguments are the layer's, already checked (sizes > 0, buffers large enough and
 * distinct where written).
 *
 * In NNB_ARITHMETIC_FAST mode with the builtin GEMM body, shapes with few inputs or few outputs skip the
 * GEMM's tiling for small-shape kernels that accumulate in float32 (within the GEMM tolerance of gemm.h).
 * Otherwise every product goes through nnb__gemm_ws, and the bias is added to the rounded product in
 * float32, as numpy does, so that the reference arithmetic is reproduced bit for bit.
 */
#ifndef NNB_COMPUTE_LINEAR_H
#define NNB_COMPUTE_LINEAR_H

#include <stddef.h>

#include "compute/gemm_body.h"
#include "nnbasics/status.h"

/* Bytes of scratch that the three products need to allocate nothing for batches of `rows` rows. */
size_t nnb__linear_scratch_bytes(size_t rows, size_t K, size_t n);

/* out (rows x n) = x w + bias. */
nnb_status nnb__linear_forward(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n, const float *x,
                               size_t ldx, const float *w, const float *bias, float *out);

/* dw (K x n) = x^T dv, and db[j] = sum over rows of dv[r][j] (row after row, in float32, from 0). */
nnb_status nnb__linear_backward_params(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n,
                                       const float *x, const float *dv, float *dw, float *db);

/* dx (rows x K) = dv w^T. */
nnb_status nnb__linear_backward_input(const nnb__gemm_scratch *scratch, size_t rows, size_t K, size_t n,
                                      const float *dv, const float *w, float *dx);

#endif
