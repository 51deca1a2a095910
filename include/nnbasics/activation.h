/* SPDX-License-Identifier: MIT */
/**
 * @file activation.h
 * @brief Activation functions (lessons 5 and 6), applied element-wise or per row.
 *
 * @verbatim
   ReLU:    y = max(0, x)
   softmax: y_ij = exp(x_ij - max_k x_ik) / sum_k exp(x_ik - max_k x_ik)   (per row; the max is subtracted
            so that rows of large values, e.g. 1e30, do not overflow)
   @endverbatim
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

/**
 * ReLU forward. NaN inputs stay NaN.
 * @param in the inputs.
 * @param out receives max(0, in); same shape as in (may be in itself).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_relu_forward(const nnb_tensor *in, nnb_tensor *out);

/**
 * Softmax forward, row by row. Each output row sums to 1 within float32 rounding.
 * @param in the inputs (batch x classes).
 * @param out receives the probabilities; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE (a row holds NaN or +inf).
 */
NNB_API nnb_status nnb_softmax_forward(const nnb_tensor *in, nnb_tensor *out);

/**
 * ReLU backward: dinputs = dvalues where the forward INPUT was > 0, else 0 (an input of exactly 0 gets 0).
 * @param inputs the forward's input.
 * @param dvalues the gradient with respect to the forward's output (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias dvalues).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_relu_backward(const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/**
 * Softmax backward through the full Jacobian of each row: dinputs_i = s_i * (dvalues_i - sum_j dvalues_j s_j).
 * @param outputs s, the forward OUTPUT.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape); must not alias the others.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (aliasing).
 */
NNB_API nnb_status nnb_softmax_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/**
 * Sigmoid forward: y = 1 / (1 + exp(-x)).
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_sigmoid_forward(const nnb_tensor *in, nnb_tensor *out);

/**
 * Sigmoid backward: dinputs = dvalues * y * (1 - y).
 * @param outputs y, the forward OUTPUT.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_sigmoid_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/**
 * Dropout (chapter 15), training only: keeps each element with probability 1 - rate, scaling kept ones by
 * 1 / (1 - rate) (inverted dropout). At inference simply do not call it.
 * @param rng the generator the mask is drawn from, as numpy's binomial(1, 1 - rate) would draw it.
 * @param rate the fraction dropped, in [0, 1).
 * @param in the inputs.
 * @param mask receives the per-element factor (0 or 1/(1-rate)); same shape as in.
 * @param out receives in * mask; same shape as in.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (rate), NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_dropout_forward(nnb_rng *rng, float rate, const nnb_tensor *in, nnb_tensor *mask,
                                       nnb_tensor *out);

/**
 * Dropout backward: dinputs = dvalues * mask.
 * @param mask the mask of the forward pass.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_dropout_backward(const nnb_tensor *mask, const nnb_tensor *dvalues, nnb_tensor *dinputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ACTIVATION_H */
