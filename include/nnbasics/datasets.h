/* SPDX-License-Identifier: MIT */
/**
 * @file datasets.h
 * @brief The nnfs package's toy data sets, reproduced exactly from an nnb_rng.
 *
 * Under seed 0 these produce the same float32 values as nnfs.datasets with nnfs.init() (see the book).
 * Each function fills caller-provided storage, consuming normals from `rng` in the same order as nnfs.
 */
#ifndef NNB_DATASETS_H
#define NNB_DATASETS_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * spiral_data(samples, classes): `classes` interleaved spiral arms of `samples` points each.
 * Consumes samples * classes normals. Nothing is written on failure.
 * @param rng the generator.
 * @param samples points per class (>= 2).
 * @param classes number of classes (>= 1, at most UINT32_MAX).
 * @param X receives the points: a (samples * classes) x 2 tensor, filled row by row (class 0 first).
 * @param labels caller buffer, receives labels[c * samples + i] = c.
 * @param label_count entries in labels; must be samples * classes.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (samples < 2, classes 0 or above UINT32_MAX),
 *         NNB_ERR_OVERFLOW, NNB_ERR_SHAPE (X is not (samples * classes) x 2, or label_count differs).
 */
NNB_API nnb_status nnb_spiral_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                                   size_t label_count);

/**
 * vertical_data(samples, classes): a Gaussian blob per class at x = c / 3, y = 0.5 (sigma 0.1).
 * Same shapes, statuses and order as nnb_spiral_data, except that one sample per class is allowed;
 * consumes 2 * samples * classes normals.
 * @param rng the generator.
 * @param samples points per class (>= 1).
 * @param classes number of classes.
 * @param X receives the points, (samples * classes) x 2.
 * @param labels caller buffer of label_count entries, receives the classes.
 * @param label_count must be samples * classes.
 * @return as nnb_spiral_data, with NNB_ERR_ARGUMENT for samples 0.
 */
NNB_API nnb_status nnb_vertical_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                                     size_t label_count);

/**
 * sine_data(samples): X[i] = i / samples, Y[i] = sin(2 * pi * X[i]) (regression, no randomness).
 * @param samples number of samples (> 0).
 * @param X receives the inputs; must be samples x 1.
 * @param Y receives the targets; must be samples x 1.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (samples 0), NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_sine_data(size_t samples, nnb_tensor *X, nnb_tensor *Y);

#ifdef __cplusplus
}
#endif

#endif /* NNB_DATASETS_H */
