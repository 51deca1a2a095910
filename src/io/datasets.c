/* SPDX-License-Identifier: MIT */
/* The nnfs data sets, computed step by step as numpy computes them under nnfs.init(). */
#include <math.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "tensor/tensor_internal.h"
#include "nnbasics/datasets.h"

/* np.linspace(start, stop, num)[i] for num > 1: i * step + start, with the last point exactly stop. */
static double linspace_at(double start, double stop, size_t num, size_t i)
{
    if (i == num - 1) {
        return stop;
    }
    double step = (stop - start) / (double)(num - 1);
    return (double)i * step + start;
}

static nnb_status check_data_args(const nnb_rng *rng, size_t samples, size_t classes, const nnb_tensor *X,
                                  const uint32_t *labels, size_t label_count, size_t min_samples)
{
    if (rng == NULL || X == NULL || labels == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (samples < min_samples || classes == 0 || classes > UINT32_MAX) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    size_t rows;
    nnb_status st = nnb__mul_size(samples, classes, &rows);
    if (st != NNB_OK) {
        return st;
    }
    if (X->rows != rows || X->cols != 2 || label_count != rows) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    return NNB_OK;
}

nnb_status nnb_spiral_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                           size_t label_count)
{
    nnb_status st = check_data_args(rng, samples, classes, X, labels, label_count, 2);
    if (st != NNB_OK) {
        return st;
    }
    const float noise_scale = 0.2f;
    for (size_t c = 0; c < classes; ++c) {
        for (size_t i = 0; i < samples; ++i) {
            size_t row = c * samples + i;
            double r = linspace_at(0.0, 1.0, samples, i);
            float noise = (float)nnb_rng_normal(rng) * noise_scale;
            double t = linspace_at((double)(4 * c), (double)(4 * (c + 1)), samples, i) + (double)noise;
            double angle = t * 2.5;
            X->data[row * 2] = (float)(r * sin(angle));
            X->data[row * 2 + 1] = (float)(r * cos(angle));
            labels[row] = (uint32_t)c;
        }
    }
    return NNB_OK;
}

nnb_status nnb_vertical_data(nnb_rng *rng, size_t samples, size_t classes, nnb_tensor *X, uint32_t *labels,
                             size_t label_count)
{
    nnb_status st = check_data_args(rng, samples, classes, X, labels, label_count, 1);
    if (st != NNB_OK) {
        return st;
    }
    const float sigma = 0.1f;
    for (size_t c = 0; c < classes; ++c) {
        float centre_x = (float)((double)c / 3.0);
        for (size_t i = 0; i < samples; ++i) {
            X->data[(c * samples + i) * 2] = (float)nnb_rng_normal(rng) * sigma + centre_x;
        }
        for (size_t i = 0; i < samples; ++i) {
            size_t row = c * samples + i;
            X->data[row * 2 + 1] = (float)nnb_rng_normal(rng) * sigma + 0.5f;
            labels[row] = (uint32_t)c;
        }
    }
    return NNB_OK;
}

nnb_status nnb_sine_data(size_t samples, nnb_tensor *X, nnb_tensor *Y)
{
    if (X == NULL || Y == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (samples == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (X->rows != samples || X->cols != 1 || Y->rows != samples || Y->cols != 1) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < samples; ++i) {
        double x = (double)i / (double)samples;
        X->data[i] = (float)x;
        Y->data[i] = (float)sin(two_pi * x);
    }
    return NNB_OK;
}
