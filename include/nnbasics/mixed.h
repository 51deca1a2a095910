/* SPDX-License-Identifier: MIT */
/**
 * @file mixed.h
 * @brief float64 steps inside float32 trainings, as numpy promotes them (the book's chapters 15 and 17).
 *
 * Under nnfs the book's arrays are float32, but two chapters bring float64 arrays in: chapter 15's dropout
 * mask (`np.random.binomial(1, 0.9, size) / 0.9`) and chapter 17's `sine_data` (float64 X and y). numpy then
 * computes every array derived from them in float64: the dropout output and the gradients behind it, the
 * squared error, its gradient, and a dense layer's bias gradient and Adam bias moments. nnfs's np.dot turns
 * each product back into float32 (both operands in float64, the product rounded once), and a float64 update
 * added in place to float32 parameters is rounded when stored.
 *
 * These functions follow those promotions step for step, so that programs reproducing the book's numpy run
 * line for line can express the chapter's float64 steps. float64 arrays are plain row-major `double`
 * buffers owned by the caller, with the shape of the float32 tensor they go with. Products accumulate in
 * double in index order and are rounded once to float32 (numpy's BLAS adds in another order; the float32
 * rounding hides that except in rare ties). Every function is independent of the arithmetic mode.
 *
 * A dense layer that received float64 output gradients (nnb_dense_backward_f64) keeps its bias gradient in
 * float64, and nnb_optimizer_update_dense then updates its biases as numpy does with Adam: float64 bias
 * moments (kept in the layer from then on), the step computed in double and rounded when added to the
 * float32 biases. The weights, their gradients and moments stay float32.
 */
#ifndef NNB_MIXED_H
#define NNB_MIXED_H

#include <stddef.h>

#include "nnbasics/dense.h"
#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * nnfs's sine_data in float64: X[i] = i / samples, y[i] = sin(2 pi X[i]) (C library sin; numpy uses the
 * same where the CPU lacks AVX-512, docs/BOOK.md).
 * @param samples the number of points (> 0).
 * @param X receives samples doubles (caller-owned).
 * @param y receives samples doubles (caller-owned).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (samples is 0).
 */
NNB_API nnb_status nnb_sine_data_f64(size_t samples, double *X, double *y);

/**
 * Dense forward pass on float64 inputs: output = fl32(inputs . weights) + biases, the product in double
 * and rounded once, the bias added in float32 (nnfs's np.dot of a float64 array).
 * @param layer the layer (only read).
 * @param inputs rows x n_inputs doubles (borrowed).
 * @param rows the batch size (> 0); must equal output's rows.
 * @param output rows x n_neurons; written.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (rows is 0), NNB_ERR_SHAPE (output's shape).
 */
NNB_API nnb_status nnb_dense_forward_f64(const nnb_dense *layer, const double *inputs, size_t rows, nnb_tensor *output);

/**
 * Dense backward pass for a layer whose forward took float64 inputs and whose output gradient is float32:
 * dweights = fl32(inputs^T . dvalues) (plus the float32 penalty gradients), dbiases = np.sum(dvalues,
 * axis=0) in float32 and dinputs = fl32(dvalues . weights^T), as nnb_dense_backward computes them.
 * @param layer the layer; its gradients are written.
 * @param inputs the forward's inputs, dvalues->rows x n_inputs doubles (borrowed).
 * @param dvalues the output gradient, batch x n_neurons.
 * @param dinputs batch x n_inputs, or NULL when not needed.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (dinputs shares data with dvalues),
 *         NNB_ERR_NOMEM (first call: gradient buffers).
 */
NNB_API nnb_status nnb_dense_backward_f64_inputs(nnb_dense *layer, const double *inputs, const nnb_tensor *dvalues,
                                                 nnb_tensor *dinputs);

/**
 * Dense backward pass with a float64 output gradient (float32 inputs): dweights = fl32(inputs^T . dvalues)
 * plus the float32 penalty gradients; dinputs = fl32(dvalues . weights^T); the bias gradient
 * np.sum(dvalues, axis=0) stays float64 (row after row, or numpy's pairwise sum when the layer has one
 * neuron), plus the float32 L1/L2 terms added in double. The layer keeps that float64 bias gradient
 * (nnb_dense_dbiases_f64) for nnb_optimizer_update_dense; its float32 dbiases receive it rounded.
 * @param layer the layer; its gradients are written.
 * @param inputs the forward's inputs, batch x n_inputs.
 * @param dvalues the output gradient, batch x n_neurons doubles (borrowed).
 * @param dinputs batch x n_inputs, or NULL when not needed.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (dinputs shares data with the weights),
 *         NNB_ERR_NOMEM (first call: gradient buffers).
 */
NNB_API nnb_status nnb_dense_backward_f64(nnb_dense *layer, const nnb_tensor *inputs, const double *dvalues,
                                          nnb_tensor *dinputs);

/**
 * The float64 bias gradient of the last nnb_dense_backward_f64.
 * @param layer the layer.
 * @return n_neurons doubles owned by the layer, or NULL when the last backward pass was a float32 one (or
 *         layer is NULL).
 */
NNB_API const double *nnb_dense_dbiases_f64(const nnb_dense *layer);

/**
 * The book's Layer_Dropout forward pass with its float64 mask: mask = binomial(1, 1 - rate) / (1 - rate)
 * (numpy's legacy generator, the same draws as nnb_dropout_forward) and output = inputs * mask in double,
 * not rounded.
 * @param rng the generator (advanced by one draw per element, occasionally more, as numpy's).
 * @param rate the drop rate, 0 <= rate < 1 (the book's Layer_Dropout(0.1) passes 0.1).
 * @param inputs the float32 inputs.
 * @param mask receives rows x cols doubles (caller-owned).
 * @param output receives rows x cols doubles (caller-owned; may not alias mask).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (rate out of range, or mask and output the same buffer).
 */
NNB_API nnb_status nnb_dropout_forward_f64(nnb_rng *rng, double rate, const nnb_tensor *inputs, double *mask,
                                           double *output);

/**
 * Dropout backward with the float64 mask: dinputs = dvalues * mask in double.
 * @param mask the forward's mask, as many doubles as dvalues has elements.
 * @param dvalues the float32 output gradient.
 * @param dinputs receives the doubles (may be mask itself).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_dropout_backward_f64(const double *mask, const nnb_tensor *dvalues, double *dinputs);

/**
 * ReLU backward on a float64 gradient: dinputs = dvalues, 0 where inputs <= 0.
 * @param inputs the ReLU's float32 inputs.
 * @param dvalues as many doubles as inputs has elements.
 * @param dinputs receives the doubles (may be dvalues).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_relu_backward_f64(const nnb_tensor *inputs, const double *dvalues, double *dinputs);

/**
 * Mean squared error against float64 targets, as the book computes it: np.mean(np.mean((y - pred) ** 2,
 * axis=-1)) in double, each mean numpy's pairwise sum divided by the count.
 * @param pred the float32 predictions, samples x outputs.
 * @param targets samples x outputs doubles.
 * @param loss receives the mean.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (pred is empty).
 */
NNB_API nnb_status nnb_mse_f64(const nnb_tensor *pred, const double *targets, double *loss);

/**
 * Gradient of nnb_mse_f64: dinputs = -2 * (y - pred) / outputs / samples in double.
 * @param pred the float32 predictions, samples x outputs.
 * @param targets samples x outputs doubles.
 * @param dinputs receives samples x outputs doubles.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (pred is empty).
 */
NNB_API nnb_status nnb_mse_backward_f64(const nnb_tensor *pred, const double *targets, double *dinputs);

/**
 * The book's regression precision on float64 targets: np.std(y) / divisor in double (numpy's two-pass
 * population standard deviation with its pairwise sums).
 * @param targets count doubles.
 * @param count the number of targets (> 0).
 * @param divisor finite, > 0 (the book uses 250).
 * @param precision receives the value.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (count 0, bad divisor), NNB_ERR_NONFINITE.
 */
NNB_API nnb_status nnb_regression_precision_f64(const double *targets, size_t count, double divisor, double *precision);

/**
 * Regression accuracy against float64 targets: the share of elements with |pred - y| < precision, the
 * difference in double.
 * @param pred the float32 predictions.
 * @param targets as many doubles as pred has elements.
 * @param precision the threshold (finite, >= 0).
 * @param accuracy receives the share.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (bad precision), NNB_ERR_SHAPE (pred is empty).
 */
NNB_API nnb_status nnb_accuracy_regression_f64(const nnb_tensor *pred, const double *targets, double precision,
                                               double *accuracy);

#ifdef __cplusplus
}
#endif

#endif /* NNB_MIXED_H */
