/* SPDX-License-Identifier: MIT */
/*
 * Internal: the element-wise kernels the layers and optimizers call, in every build (compute/kernels.c).
 * Each entry runs the variant of the ISA level in use (compute/isa.h: AVX-512 where it pays, AVX2 + FMA,
 * else the portable loops of kernels_portable.c). Never installed.
 *
 * Exactness: every kernel except nnb__k_exp, nnb__k_neg_log, nnb__k_softmax and the small-shape products
 * performs the same float32 operations in the same order as the portable reference loops, so its results
 * are bit-identical at every ISA level. nnb__k_exp and nnb__k_neg_log are within 2 ulp of the correctly
 * rounded result; the layers call them (and the softmax built on them) only in NNB_ARITHMETIC_FAST mode,
 * so the reference mode keeps printing the book's digits.
 *
 * Threads: ReLU, its backward and the small-shape products split calls on large arrays (about a million
 * elements or more) over nnb_get_num_threads() threads, by independent ranges, so their results do not
 * depend on the thread count. Everything else runs in the calling thread. All entries are reentrant.
 */
#ifndef NNB_COMPUTE_KERNELS_H
#define NNB_COMPUTE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* y[i] = x[i] < 0 ? 0 : x[i] (NaN and -0 pass through). x and y may be the same array. */
void nnb__k_relu(const float *x, float *y, size_t n);

/* dx[i] = x[i] <= 0 ? 0 : dv[i]. dx may equal dv (or x). */
void nnb__k_relu_backward(const float *x, const float *dv, float *dx, size_t n);

/* c[r * cols + j] += b[j] for r < rows, j < cols. */
void nnb__k_add_bias(float *c, const float *b, size_t rows, size_t cols);

/* out[j] = sum over r of x[r * cols + j], added row after row in float32 starting from 0. */
void nnb__k_col_sum(const float *x, size_t rows, size_t cols, float *out);

/* y[i] = x[i] / d. x and y may be the same array. */
void nnb__k_div(const float *x, float d, float *y, size_t n);

/* y[i] = exp(x[i]) within 2 ulp (exact 0 for -inf, +inf for large x, NaN for NaN). May alias. */
void nnb__k_exp(const float *x, float *y, size_t n);

/*
 * Number of rows r whose argmax (lowest index among ties, NaN never chosen, an all-NaN row gives 0) equals
 * labels[r]: the count behind the categorical accuracy.
 */
size_t nnb__k_argmax_hits(const float *pred, size_t rows, size_t cols, const uint32_t *labels);

/* Flags of the non-finite values among x[0 .. n-1]: 1 if one is NaN or +inf, 2 if one is -inf. */
#define NNB__K_NAN_OR_POSINF 1
#define NNB__K_NEGINF 2
int nnb__k_nonfinite(const float *x, size_t n);

/*
 * Row-wise softmax of a rows x cols block (the reference's steps: max, difference, exp, float32 sum, division)
 * with the exp of nnb__k_exp. Rows must be free of NaN and +inf, and not all -inf. dst may equal src.
 */
void nnb__k_softmax(const float *src, float *dst, size_t rows, size_t cols);

/* y[i] = -log(x[i]) within 2 ulp, for x[i] positive and finite (normal or not). May alias. */
void nnb__k_neg_log(const float *x, float *y, size_t n);

/* The Adam step of optimizer.c with its float32 constants. */
typedef struct nnb__adam_coef {
    float b1, b2, one_minus_b1, one_minus_b2, corr1, corr2, neg_lr, eps;
} nnb__adam_coef;

/*
 * For each i: m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w += (neg_lr * (m / corr1)) / (sqrt(v / corr2) + eps)
 */
void nnb__k_adam(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n);

/*
 * Small-shape products for the dense layer, where a general GEMM call costs more in tiling overhead than in
 * arithmetic (the spiral network's 2-input and 3-output layers). Row-major; products are accumulated in
 * float32 with fused multiply-adds (within the GEMM tolerance of gemm.h), then the bias, if not NULL, is
 * added to the rounded product, as the reference does.
 */

/* Largest inner dimension of nnb__k_small_k, and largest output width of nnb__k_small_n. */
#define NNB__K_SMALL_K 8u
#define NNB__K_SMALL_N 4u

/* out[r][j] = sum_k x[r * ldx + k] * b[k * n + j] (+ bias[j]), K <= NNB__K_SMALL_K; out has row stride n. */
void nnb__k_small_k(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b, const float *bias,
                    float *out);

/* out[r][j] = sum_k x[r * ldx + k] * bt[j * K + k] (+ bias[j]), n <= NNB__K_SMALL_N; out row stride n. */
void nnb__k_small_n(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt, const float *bias,
                    float *out);

/*
 * out[i][j] = sum_r u[r * a + i] * v[r * b + j]   (out = u^T v, a x b), fastest for a <= NNB__K_SMALL_N
 * or b <= NNB__K_SMALL_N (any shape is accepted). sum: NULL, or b floats that receive the column sums of
 * v exactly as nnb__k_col_sum gives them (computed in the same pass when that saves one).
 */
void nnb__k_at_b(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum);

#endif
