/* SPDX-License-Identifier: MIT */
/*
 * Internal: each element-wise kernel of compute/kernels.h at each instruction-set level, for the dispatch in
 * kernels.c and for tests. Never installed; nothing outside src/compute includes it.
 *
 * The portable functions are the reference loops: plain C, any CPU. The AVX2 and AVX-512 ones carry target
 * attributes and may be called only when nnb__isa_level() reaches their level. Each has the contract of
 * the nnb__k_ entry of the same name in kernels.h, except where noted.
 */
#ifndef NNB_COMPUTE_KERNELS_ISA_H
#define NNB_COMPUTE_KERNELS_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "compute/isa.h"
#include "compute/kernels.h"

/* ---- portable (kernels_portable.c) ---- */
void nnb__relu_portable(const float *x, float *y, size_t n);
void nnb__relu_backward_portable(const float *x, const float *dv, float *dx, size_t n);
void nnb__add_bias_portable(float *c, const float *b, size_t rows, size_t cols);
void nnb__col_sum_portable(const float *x, size_t rows, size_t cols, float *out);
void nnb__div_portable(const float *x, float d, float *y, size_t n);
/* expf and -logf of the C library (within its accuracy, not the vector kernels' polynomials). */
void nnb__exp_portable(const float *x, float *y, size_t n);
void nnb__neg_log_portable(const float *x, float *y, size_t n);
void nnb__softmax_portable(const float *src, float *dst, size_t rows, size_t cols);
void nnb__adam_portable(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n);
void nnb__small_k_portable(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b,
                           const float *bias, float *out);
void nnb__small_n_portable(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt,
                           const float *bias, float *out);
void nnb__at_b_portable(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum);
int nnb__nonfinite_portable(const float *x, size_t n);
size_t nnb__argmax_hits_portable(const float *pred, size_t rows, size_t cols, const uint32_t *labels);

#if defined(NNB__ISA_X86)
/* ---- AVX2 + FMA (kernels_avx2.c) ---- */
void nnb__relu_avx2(const float *x, float *y, size_t n);
void nnb__relu_backward_avx2(const float *x, const float *dv, float *dx, size_t n);
void nnb__add_bias_avx2(float *c, const float *b, size_t rows, size_t cols);
void nnb__col_sum_avx2(const float *x, size_t rows, size_t cols, float *out);
void nnb__div_avx2(const float *x, float d, float *y, size_t n);
void nnb__exp_avx2(const float *x, float *y, size_t n);
void nnb__neg_log_avx2(const float *x, float *y, size_t n);
void nnb__softmax_avx2(const float *src, float *dst, size_t rows, size_t cols);
void nnb__adam_avx2(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n);
void nnb__small_k_avx2(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b, const float *bias,
                       float *out);
void nnb__small_n_avx2(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt, const float *bias,
                       float *out);
/* Largest a of nnb__at_b_arows_avx2 (its partial sums live on the stack). */
#    define NNB__AT_B_MAX_A 512u
/* nnb__k_at_b for a <= NNB__K_SMALL_N, b % 16 == 0: output columns j_begin .. j_end (multiples of 16). */
void nnb__at_b_cols_avx2(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum,
                         size_t j_begin, size_t j_end);
/* nnb__k_at_b for b <= NNB__K_SMALL_N, a % 16 == 0, a <= NNB__AT_B_MAX_A: rows i_begin .. i_end of out. */
void nnb__at_b_arows_avx2(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, size_t i_begin,
                          size_t i_end);
int nnb__nonfinite_avx2(const float *x, size_t n);
size_t nnb__argmax_hits_avx2(const float *pred, size_t rows, size_t cols, const uint32_t *labels);

/* ---- AVX-512 (kernels_avx512.c), where it measurably pays ---- */
void nnb__relu_avx512(const float *x, float *y, size_t n);
void nnb__relu_backward_avx512(const float *x, const float *dv, float *dx, size_t n);
/* These return 0, computing nothing, for shapes they do not cover (the caller then uses AVX2). */
int nnb__small_k_avx512(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b, const float *bias,
                        float *out);
int nnb__small_n_avx512(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt, const float *bias,
                        float *out);
#endif

#endif
