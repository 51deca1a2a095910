/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - accuracy measures.
 *
 *   categorical accuracy = (number of rows whose argmax equals the label) / batch
 * argmax ties go to the lowest index (numpy's rule), so an exactly uniform row predicts class 0.
 * Reentrant; no allocation.
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

/*
 * Categorical accuracy of pred (batch x classes) against `count` class labels (count == batch).
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_RANGE (a label >= classes). *accuracy untouched on failure.
 */
NNB_API nnb_status nnb_accuracy_categorical(const nnb_tensor *pred, const uint32_t *labels, size_t count,
                                            double *accuracy);

/*
 * Categorical accuracy against one-hot targets (same shape as pred; the target class is each row's argmax).
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_accuracy_onehot(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy);

/*
 * Binary accuracy: the fraction of elements where (pred > 0.5) equals the 0/1 target (same shapes).
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_accuracy_binary(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy);

/*
 * Regression accuracy as the book defines it: the fraction of elements with |pred - target| < precision.
 * The book uses precision = std(targets) / 250 (see nnb_regression_precision). Returns NNB_ERR_NULL,
 * NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (precision not finite or < 0).
 */
NNB_API nnb_status nnb_accuracy_regression(const nnb_tensor *pred, const nnb_tensor *targets, float precision,
                                           double *accuracy);

/*
 * precision = std(targets) / divisor (population standard deviation; the book's divisor is 250).
 * Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (divisor not finite or <= 0), NNB_ERR_NONFINITE (a target is NaN
 * or infinite). *precision untouched on failure.
 */
NNB_API nnb_status nnb_regression_precision(const nnb_tensor *targets, float divisor, float *precision);

#ifdef __cplusplus
}
#endif

#endif /* NNB_METRICS_H */
