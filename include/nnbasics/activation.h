/* SPDX-License-Identifier: MIT */
/**
 * @file activation.h
 * @brief Activation functions (lessons 5 and 6, and more: tanh, leaky ReLU, ELU, GELU, softplus), applied
 *        element-wise or per row.
 *
 * @verbatim
   ReLU:    y = max(0, x)
   softmax: y_ij = exp(x_ij - max_k x_ik) / sum_k exp(x_ik - max_k x_ik)   (per row; the max is subtracted
            so that rows of large values, e.g. 1e30, do not overflow)
   tanh:        y = tanh(x)                                  dy/dx = 1 - y^2
   leaky ReLU:  y = x for x > 0, slope * x otherwise         dy/dx = 1 for x > 0, slope otherwise
   ELU:         y = x for x > 0, alpha * (e^x - 1) otherwise dy/dx = 1 for x > 0, alpha * e^x otherwise
   GELU exact:  y = x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))
                dy/dx = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)
   GELU tanh:   y = x/2 * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x^3)
                dy/dx = (1 + tanh(u))/2 + x/2 * (1 - tanh(u)^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2)
   softplus:    y = log(1 + e^x)                             dy/dx = 1 / (1 + e^-x)
   @endverbatim
 *
 * The activations after the book's (tanh to softplus) compute every value in double from the float32
 * input and round it once to float32, in every arithmetic mode and at every ISA level; their backwards
 * multiply dvalues by the derivative in double and round once. At x = 0 exactly, leaky ReLU and ELU take
 * the "otherwise" branch (as ReLU's backward gives 0 there). NaN inputs give NaN.
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

/** How GELU is computed (append-only values: a model file may store them). */
typedef enum nnb_gelu_approximation {
    NNB_GELU_EXACT = 0, /**< x * Phi(x) with the error function */
    NNB_GELU_TANH = 1   /**< the tanh approximation (Hendrycks and Gimpel) */
} nnb_gelu_approximation;

/**
 * tanh forward: y = tanh(x).
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_tanh_forward(const nnb_tensor *in, nnb_tensor *out);

/**
 * tanh backward: dinputs = dvalues * (1 - y^2).
 * @param outputs y, the forward OUTPUT.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias either).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_tanh_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

/**
 * Leaky ReLU forward: y = x for x > 0, slope * x otherwise.
 * @param slope the slope for x <= 0, in [0, 1] (0 is ReLU; common values 0.01 to 0.3).
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (slope outside [0, 1] or NaN).
 */
NNB_API nnb_status nnb_leaky_relu_forward(float slope, const nnb_tensor *in, nnb_tensor *out);

/**
 * Leaky ReLU backward: dinputs = dvalues where the forward INPUT was > 0, else slope * dvalues.
 * @param slope the forward's slope, in [0, 1].
 * @param inputs the forward's input.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias either).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (slope).
 */
NNB_API nnb_status nnb_leaky_relu_backward(float slope, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                           nnb_tensor *dinputs);

/**
 * ELU forward: y = x for x > 0, alpha * (e^x - 1) otherwise (computed with expm1).
 * @param alpha the saturation value for large negative x (finite, >= 0; usually 1).
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (alpha negative or not finite).
 */
NNB_API nnb_status nnb_elu_forward(float alpha, const nnb_tensor *in, nnb_tensor *out);

/**
 * ELU backward: dinputs = dvalues where the forward INPUT was > 0, else dvalues * alpha * e^x.
 * @param alpha the forward's alpha.
 * @param inputs the forward's input.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias either).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (alpha).
 */
NNB_API nnb_status nnb_elu_backward(float alpha, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                    nnb_tensor *dinputs);

/**
 * GELU forward, exact or with the tanh approximation (formulas above).
 * @param approximation NNB_GELU_EXACT or NNB_GELU_TANH.
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (unknown approximation).
 */
NNB_API nnb_status nnb_gelu_forward(nnb_gelu_approximation approximation, const nnb_tensor *in, nnb_tensor *out);

/**
 * GELU backward: dinputs = dvalues * dy/dx at the forward INPUT (the derivative of the same approximation).
 * @param approximation the forward's approximation.
 * @param inputs the forward's input.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias either).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (unknown approximation).
 */
NNB_API nnb_status nnb_gelu_backward(nnb_gelu_approximation approximation, const nnb_tensor *inputs,
                                     const nnb_tensor *dvalues, nnb_tensor *dinputs);

/**
 * Softplus forward: y = log(1 + e^x), computed as x + log1p(e^-x) for x > 0 so that it never overflows.
 * @param in the inputs.
 * @param out receives y; same shape as in (may be in itself). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_softplus_forward(const nnb_tensor *in, nnb_tensor *out);

/**
 * Softplus backward: dinputs = dvalues / (1 + e^-x) at the forward INPUT x.
 * @param inputs the forward's input.
 * @param dvalues the gradient with respect to the outputs (same shape).
 * @param dinputs receives the gradient with respect to the inputs (same shape; may alias either).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_softplus_backward(const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ACTIVATION_H */
