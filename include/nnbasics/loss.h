/* SPDX-License-Identifier: MIT */
/**
 * @file loss.h
 * @brief Loss functions (lessons 7 and 8) and their gradients (chapters 9, 16, 17).
 *
 * Categorical cross-entropy of predicted probabilities p (batch x classes) against the true classes:
 * @verbatim
   loss_i = -log(clip(p_i,y_i))                       sparse targets (class indices)
   loss_i = -log(sum_j clip(p_ij) * t_ij)              one-hot targets
   @endverbatim
 * with clip(x) = min(max(x, 1e-7), 1 - 1e-7), so a prediction of exactly 0 or 1 gives a finite loss.
 * The mean is numpy's float32 sum of the per-sample losses (nnb_sum_f32: pairwise within 8192-element
 * blocks) divided by the batch size, the way numpy's np.mean computes it (so lesson 8 prints the book's
 * 1.0986104). The exact arithmetic modes take the log of the mode (numpy's or the correctly rounded one).
 *
 * Outputs: per_sample (caller buffer of `batch` floats) and mean are each optional (NULL to skip) but
 * not both; they are untouched on failure. The backward functions write a gradient tensor of pred's shape.
 * Reentrant.
 */
#ifndef NNB_LOSS_H
#define NNB_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The clipping bound used by every cross-entropy. */
#define NNB_CCE_EPSILON 1e-7f

/**
 * Sparse categorical cross-entropy.
 * @param pred the predicted probabilities, batch x classes.
 * @param labels count class indices, each < classes.
 * @param count must equal the batch (rows of pred).
 * @param per_sample optional (NULL): caller buffer of batch floats, receives each sample's loss.
 * @param mean optional (NULL): receives the mean loss.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (count differs from the batch), NNB_ERR_RANGE (a label >=
 *         classes), NNB_ERR_NONFINITE (a selected prediction is NaN).
 */
NNB_API nnb_status nnb_cce_sparse(const nnb_tensor *pred, const uint32_t *labels, size_t count, float *per_sample,
                                  float *mean);

/**
 * One-hot categorical cross-entropy.
 * @param pred the predicted probabilities, batch x classes.
 * @param targets one-hot targets, same shape as pred.
 * @param per_sample optional (NULL): caller buffer of batch floats, receives each sample's loss.
 * @param mean optional (NULL): receives the mean loss.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE.
 */
NNB_API nnb_status nnb_cce_onehot(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean);

/**
 * Mean of `count` floats as numpy's np.mean computes it for a contiguous float32 array, bit for bit: numpy's
 * sum (see nnb_sum_f32), then one float32 division by fl32(count). The loss means sum the same way.
 * @param values count floats (read only, owned by the caller).
 * @param count number of values (> 0).
 * @param mean receives the mean; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (count 0).
 */
NNB_API nnb_status nnb_mean_f32(const float *values, size_t count, float *mean);

/**
 * Sum of float32 values as numpy's np.sum computes it for a contiguous float32 array, bit for bit.
 *
 * numpy hands the data to its summation loop in blocks of its buffer size, 8192 elements; each block is
 * summed pairwise in float32 (eight interleaved partial sums up to 128 elements, halves split at a multiple
 * of 8 above that, fewer than 8 elements added in order) and the block results are added in order to a
 * float32 accumulator that starts at +0. np.sum(a) of a C-contiguous 2-D array (axis=None) is the same sum
 * over its elements in row-major order. Every arithmetic mode computes it this way.
 *
 * @param values the values (read only, owned by the caller); must not be NULL.
 * @param count  number of values; 0 gives +0.
 * @param sum    receives the sum; untouched on failure.
 * @return NNB_OK, or NNB_ERR_NULL when values or sum is NULL.
 */
NNB_API nnb_status nnb_sum_f32(const float *values, size_t count, float *sum);

/* ---- gradients (chapter 9) and more heads (chapters 16, 17) ---- */

/**
 * Gradient of the mean sparse CCE with respect to the predictions: dinputs_ij = -[j == y_i] / p_ij / batch
 * (p unclipped, as the book).
 * @param pred the predicted probabilities, batch x classes.
 * @param labels count class indices.
 * @param count must equal the batch.
 * @param dinputs receives the gradient; pred's shape.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_RANGE.
 */
NNB_API nnb_status nnb_cce_sparse_backward(const nnb_tensor *pred, const uint32_t *labels, size_t count,
                                           nnb_tensor *dinputs);

/**
 * Gradient of the mean one-hot CCE: dinputs = -targets / pred / batch.
 * @param pred the predicted probabilities.
 * @param targets one-hot targets, same shape.
 * @param dinputs receives the gradient; same shape.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_cce_onehot_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs);

/**
 * Fused softmax + CCE gradient with respect to the softmax INPUTS: dinputs = (probs - onehot(labels)) / batch.
 * @param probs the softmax output, batch x classes.
 * @param labels count class indices.
 * @param count must equal the batch.
 * @param dinputs receives the gradient; probs' shape (may alias probs).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_RANGE.
 */
NNB_API nnb_status nnb_softmax_cce_backward(const nnb_tensor *probs, const uint32_t *labels, size_t count,
                                            nnb_tensor *dinputs);

/**
 * Binary cross-entropy: per sample the mean over outputs of -(t log(clip p) + (1 - t) log(1 - clip p)).
 * @param pred sigmoid outputs.
 * @param targets 0/1 targets, same shape.
 * @param per_sample optional (NULL): caller buffer of batch floats, receives each sample's loss.
 * @param mean optional (NULL): receives the mean loss.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE (a prediction is NaN, or a target NaN or
 *         infinite; infinite predictions are clipped).
 */
NNB_API nnb_status nnb_bce(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean);

/**
 * Gradient of the mean BCE: dinputs = -(t / clip p - (1 - t) / (1 - clip p)) / outputs / batch.
 * @param pred sigmoid outputs.
 * @param targets 0/1 targets, same shape.
 * @param dinputs receives the gradient; same shape (may alias pred).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_bce_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs);

/**
 * Mean squared error, per sample the mean over outputs of (t - p)^2.
 * @param pred the predictions.
 * @param targets same shape as pred.
 * @param per_sample optional (NULL): caller buffer of batch floats, receives each sample's loss.
 * @param mean optional (NULL): receives the mean loss.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE (a prediction or target is NaN or infinite).
 */
NNB_API nnb_status nnb_mse(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean);

/**
 * Gradient of the mean MSE: dinputs = -2 (t - p) / outputs / batch.
 * @param pred the predictions.
 * @param targets same shape.
 * @param dinputs receives the gradient; same shape (may alias pred).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_mse_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs);

/**
 * Mean absolute error, per sample the mean over outputs of |t - p|.
 * @param pred the predictions.
 * @param targets same shape as pred.
 * @param per_sample optional (NULL): caller buffer of batch floats, receives each sample's loss.
 * @param mean optional (NULL): receives the mean loss.
 * @return the statuses of nnb_mse.
 */
NNB_API nnb_status nnb_mae(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean);

/**
 * Gradient of the mean MAE: dinputs = sign(t - p) * -1 / outputs / batch.
 * @param pred the predictions.
 * @param targets same shape.
 * @param dinputs receives the gradient; same shape (may alias pred).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_mae_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_LOSS_H */
