/* SPDX-License-Identifier: MIT */
/*
 * datasets.h - the nnfs package's toy data sets, reproduced exactly from an nnb_rng.
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

/*
 * spiral_data(samples, classes): `classes` interleaved spiral arms of `samples` points each.
 * X: (samples * classes) x 2 tensor, filled row by row (class 0 first). labels: samples * classes entries,
 * labels[c * samples + i] = c. Consumes samples * classes normals.
 * Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (samples < 2, classes 0 or above UINT32_MAX), NNB_ERR_OVERFLOW, NNB_ERR_SHAPE
 * (X is not (samples * classes) x 2). Nothing is written on failure.
 */
NNB_API nnb_status nnb_spiral_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                                   size_t label_count);

/*
 * vertical_data(samples, classes): a Gaussian blob per class at x = c / 3, y = 0.5 (sigma 0.1).
 * Same shapes, statuses and order as nnb_spiral_data, except that one sample per class is allowed
 * (NNB_ERR_ARGUMENT for samples 0); consumes 2 * samples * classes normals.
 */
NNB_API nnb_status nnb_vertical_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                                     size_t label_count);

/*
 * sine_data(samples): X[i] = i / samples, Y[i] = sin(2 * pi * X[i]) (regression, no randomness).
 * X and Y must both be samples x 1. Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (samples 0), NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_sine_data(size_t samples, nnb_tensor *X, nnb_tensor *Y);

#ifdef __cplusplus
}
#endif

#endif /* NNB_DATASETS_H */
