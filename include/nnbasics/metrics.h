/* SPDX-License-Identifier: MIT */
/**
 * @file metrics.h
 * @brief Accuracy measures.
 *
 * @verbatim
   categorical accuracy = (number of rows whose argmax equals the label) / batch
   @endverbatim
 *
 * argmax ties go to the lowest index (numpy's rule), so an exactly uniform row predicts class 0.
 * Reentrant; no allocation. On failure *accuracy (or *precision) is untouched.
 */
#ifndef NNB_METRICS_H
#define NNB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Categorical accuracy of pred against class labels.
 * @param pred the predictions, batch x classes.
 * @param labels count class indices.
 * @param count must equal the batch.
 * @param accuracy receives the fraction in [0, 1].
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_RANGE (a label >= classes).
 */
NNB_API nnb_status nnb_accuracy_categorical(const nnb_tensor *pred, const uint32_t *labels, size_t count,
                                            double *accuracy);

/**
 * Categorical accuracy against one-hot targets (the target class is each row's argmax).
 * @param pred the predictions, batch x classes.
 * @param targets same shape as pred.
 * @param accuracy receives the fraction.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_accuracy_onehot(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy);

/**
 * Binary accuracy: the fraction of elements where (pred > 0.5) equals the 0/1 target.
 * @param pred the predictions.
 * @param targets 0/1 targets, same shape as pred.
 * @param accuracy receives the fraction.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_accuracy_binary(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy);

/**
 * Regression accuracy as the book defines it: the fraction of elements with |pred - target| < precision.
 * @param pred the predictions.
 * @param targets same shape as pred.
 * @param precision finite, >= 0; the book uses std(targets) / 250 (see nnb_regression_precision).
 * @param accuracy receives the fraction.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (precision not finite or < 0).
 */
NNB_API nnb_status nnb_accuracy_regression(const nnb_tensor *pred, const nnb_tensor *targets, float precision,
                                           double *accuracy);

/**
 * precision = std(targets) / divisor (population standard deviation; the book's divisor is 250).
 * @param targets the targets.
 * @param divisor finite, > 0.
 * @param precision receives the precision.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (divisor not finite or <= 0), NNB_ERR_NONFINITE (a target
 *         is NaN or infinite).
 */
NNB_API nnb_status nnb_regression_precision(const nnb_tensor *targets, float divisor, float *precision);

#ifdef __cplusplus
}
#endif

#endif /* NNB_METRICS_H */
