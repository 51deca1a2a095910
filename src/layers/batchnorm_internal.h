/* SPDX-License-Identifier: MIT */
/*
 * Internal: batch normalisation (batchnorm.c) over rows x (C * S) activations: C channels of S values each
 * (S = H * W after a convolution, S = 1 for dense activations: then every feature is a channel). The
 * statistics of channel c are taken over the rows * S values x[n][c][s]. Never installed.
 *
 * Training:  mean, var = the batch mean and biased variance; xhat = (x - mean) / sqrt(var + eps);
 *            y = gamma * xhat + beta; running_mean = (1 - momentum) * running_mean + momentum * mean and
 *            running_var the same with the unbiased variance var * M / (M - 1), M = rows * S (PyTorch's
 *            definition of momentum, default 0.1).
 * Inference: y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta.
 */
#ifndef NNB_INTERNAL_BATCHNORM_H
#define NNB_INTERNAL_BATCHNORM_H

#include <stddef.h>

/*
 * Training forward. xhat (rows x C*S) and inv_std (C) are kept for the backward; running_mean/var (C each)
 * are updated unless NULL. y may not alias x.
 */
void nnb__batchnorm_forward_train(size_t rows, size_t C, size_t S, float eps, float momentum, const float *x,
                                  const float *gamma, const float *beta, float *y, float *xhat, float *inv_std,
                                  float *running_mean, float *running_var);

/* Inference forward with the running statistics; y may be x (in place). */
void nnb__batchnorm_forward_infer(size_t rows, size_t C, size_t S, float eps, const float *x, const float *gamma,
                                  const float *beta, const float *running_mean, const float *running_var, float *y);

/*
 * Backward of the training forward: dgamma, dbeta (C each) overwritten; dx (rows x C*S; NULL: not wanted)
 *   dx = gamma * inv_std / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
 */
void nnb__batchnorm_backward(size_t rows, size_t C, size_t S, const float *gamma, const float *xhat,
                             const float *inv_std, const float *dy, float *dgamma, float *dbeta, float *dx);

#endif
