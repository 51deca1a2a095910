/* SPDX-License-Identifier: MIT */
/*
 * activation.h - activation functions (lessons 5 and 6), applied element-wise or per row.
 *
 *   ReLU:    y = max(0, x)
 *   softmax: y_ij = exp(x_ij - max_k x_ik) / sum_k exp(x_ik - max_k x_ik)   (per row; the max is subtracted
 *            so that rows of large values, e.g. 1e30, do not overflow)
 *
 * `in` and `out` must have the same shape; they may be the same tensor (in-place). Reentrant.
 */
#ifndef NNB_ACTIVATION_H
#define NNB_ACTIVATION_H

#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ReLU forward. NaN inputs stay NaN. Returns NNB_ERR_NULL, NNB_ERR_SHAPE. */
NNB_API nnb_status nnb_relu_forward(const nnb_tensor *in, nnb_tensor *out);

/*
 * Softmax forward, row by row. Each output row sums to 1 within float32 rounding.
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE (a row holds NaN or +inf: out is then untouched).
 */
NNB_API nnb_status nnb_softmax_forward(const nnb_tensor *in, nnb_tensor *out);

/*
 * ReLU backward: dinputs = dvalues where the forward INPUT was > 0, else 0 (an input of exactly 0 gets 0).
 * inputs: the forward's input. All three tensors have one shape; dinputs may alias dvalues.
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_relu_backward(const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/*
 * Softmax backward through the full Jacobian of each row: dinputs_i = s_i * (dvalues_i - sum_j dvalues_j s_j)
 * with s the forward OUTPUT. dinputs must not alias the others. Returns NNB_ERR_NULL, NNB_ERR_SHAPE,
 * NNB_ERR_ARGUMENT (aliasing).
 */
NNB_API nnb_status nnb_softmax_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/* Sigmoid forward: y = 1 / (1 + exp(-x)). Returns NNB_ERR_NULL, NNB_ERR_SHAPE. */
NNB_API nnb_status nnb_sigmoid_forward(const nnb_tensor *in, nnb_tensor *out);

/* Sigmoid backward: dinputs = dvalues * y * (1 - y), y the forward OUTPUT. May alias. */
NNB_API nnb_status nnb_sigmoid_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/*
 * Dropout (chapter 15), training only: keep each element with probability 1 - rate, scaling kept ones by
 * 1 / (1 - rate) (inverted dropout). mask (same shape) receives the per-element factor (0 or 1/(1-rate)),
 * drawn as numpy's binomial(1, 1 - rate) would from `rng`. At inference simply do not call it.
 * rate must be in [0, 1). Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_dropout_forward(nnb_rng *rng, float rate, const nnb_tensor *in, nnb_tensor *mask,
                                       nnb_tensor *out);

/* Dropout backward: dinputs = dvalues * mask. May alias. Returns NNB_ERR_NULL, NNB_ERR_SHAPE. */
NNB_API nnb_status nnb_dropout_backward(const nnb_tensor *mask, const nnb_tensor *dvalues, nnb_tensor *dinputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ACTIVATION_H */
