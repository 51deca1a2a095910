/* SPDX-License-Identifier: MIT */
/*
 * Internal: numpy 1.24's float32 exp and log, reproduced bit for bit (compute/numpy_math.c). Never installed.
 *
 * numpy computes np.exp and np.log on float32 arrays with its own SIMD routines (AVX2 + FMA3 or AVX-512F,
 * loops_exponent_log.dispatch.c.src) whenever the CPU has one of those instruction sets; they are not
 * correctly rounded (exp up to 2.52 ulp off, log up to 3.83 ulp), and NNB_ARITHMETIC_NUMPY uses these
 * functions so that trainings follow numpy's trajectory. Both of numpy's variants give the same bits for
 * every float32 argument, and so do these functions, which are portable C (one fmaf wherever numpy uses a
 * fused multiply-add, every other operation a single IEEE float32 operation) and give the same bits on
 * every CPU. Special values as numpy: exp(NaN) = +NaN (0x7fc00000), exp(x >= 88.72283935546875) = +inf,
 * exp(x <= -103.97208404541015625) = +0; log(NaN) = +NaN, log(x < 0) = -NaN (0xffc00000), log(+-0) = -inf,
 * log(+inf) = +inf. No floating-point exception flags are promised. Reentrant.
 */
#ifndef NNB_COMPUTE_NUMPY_MATH_H
#define NNB_COMPUTE_NUMPY_MATH_H

#include <stddef.h>

/* numpy's float32 exp of one value. */
float nnb__numpy_expf(float x);

/* numpy's float32 log of one value. */
float nnb__numpy_logf(float x);

/* out[i] = nnb__numpy_expf(in[i]) for i < n; out may equal in. */
void nnb__numpy_exp_array(const float *in, float *out, size_t n);

/* out[i] = -nnb__numpy_logf(in[i]) for i < n (the cross-entropy's -np.log); out may equal in. */
void nnb__numpy_neg_log_array(const float *in, float *out, size_t n);

#endif
