/* SPDX-License-Identifier: MIT */
/*
 * Weight and bias initializers (init.h): the book's scaled normal, He and Glorot, normal and uniform.
 */
#include <math.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/dense_internal.h"
#include "tensor/tensor_internal.h"
#include "nnbasics/init.h"

nnb_init nnb_init_default(void)
{
    return nnb_init_of(NNB_INIT_SCALED_NORMAL);
}

nnb_init nnb_init_of(nnb_init_kind kind)
{
    nnb_init init;
    init.weights = kind;
    init.scale = NNB_DENSE_DEFAULT_INIT_SCALE;
    init.bias = 0.0f;
    return init;
}

/* The normal's std or the uniform's limit; *uniform tells which. */
static nnb_status spread(const nnb_init *init, size_t fan_in, size_t fan_out, double *value, int *uniform)
{
    if (fan_in == 0 || fan_out == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "fan_in %zu and fan_out %zu must be > 0", fan_in, fan_out);
    }
    if (!isfinite(init->bias)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "bias %g is not finite", (double)init->bias);
    }
    double in = (double)fan_in;
    double both = (double)fan_in + (double)fan_out;
    *uniform = 0;
    switch (init->weights) {
    case NNB_INIT_SCALED_NORMAL:
        if (!isfinite(init->scale)) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "scale %g is not finite", (double)init->scale);
        }
        *value = (double)init->scale;
        return NNB_OK;
    case NNB_INIT_HE_NORMAL: *value = sqrt(2.0 / in); return NNB_OK;
    case NNB_INIT_HE_UNIFORM:
        *value = sqrt(6.0 / in);
        *uniform = 1;
        return NNB_OK;
    case NNB_INIT_GLOROT_NORMAL: *value = sqrt(2.0 / both); return NNB_OK;
    case NNB_INIT_GLOROT_UNIFORM:
        *value = sqrt(6.0 / both);
        *uniform = 1;
        return NNB_OK;
    }
    return NNB__FAILF(NNB_ERR_ARGUMENT, "unknown initializer kind %d", (int)init->weights);
}

nnb_status nnb_init_std(const nnb_init *init, size_t fan_in, size_t fan_out, double *out)
{
    if (init == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    double v = 0.0;
    int uniform = 0;
    nnb_status st = spread(init, fan_in, fan_out, &v, &uniform);
    if (st != NNB_OK) {
        return st;
    }
    *out = uniform ? v / sqrt(3.0) : fabs(v);
    return NNB_OK;
}

nnb_status nnb_init_fill(nnb_rng *rng, const nnb_init *init, size_t fan_in, size_t fan_out, float *weights,
                         float *biases)
{
    if (rng == NULL || init == NULL || weights == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    double v = 0.0;
    int uniform = 0;
    nnb_status st = spread(init, fan_in, fan_out, &v, &uniform);
    if (st != NNB_OK) {
        return st;
    }
    size_t count;
    st = nnb__mul_size(fan_in, fan_out, &count);
    if (st != NNB_OK) {
        return st;
    }
    if (uniform) {
        for (size_t i = 0; i < count; ++i) {
            weights[i] = (float)((2.0 * nnb_rng_uniform(rng) - 1.0) * v);
        }
    } else {
        st = nnb_rng_fill_normal(rng, weights, count, (float)v);
        if (st != NNB_OK) {
            return st;
        }
    }
    if (biases != NULL) {
        for (size_t j = 0; j < fan_out; ++j) {
            biases[j] = init->bias;
        }
    }
    return NNB_OK;
}

nnb_status nnb_dense_init(nnb_dense *layer, nnb_rng *rng, const nnb_init *init)
{
    if (layer == NULL || rng == NULL || init == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return nnb_init_fill(rng, init, layer->n_inputs, layer->n_neurons, layer->weights->data, layer->biases->data);
}
