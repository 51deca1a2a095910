/* SPDX-License-Identifier: MIT */
/* Lessons 1-3: a neuron is a dot product plus a bias; a layer is one such neuron per weight row. */
#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "nnbasics/gemm.h"
#include "nnbasics/neuron.h"

nnb_status nnb_neuron_output(const float *inputs, const float *weights, size_t n, float bias, float *out)
{
    if (inputs == NULL || weights == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    float dot;
    nnb_status st = nnb_dot(inputs, weights, n, &dot);
    if (st != NNB_OK) {
        return st;
    }
    *out = dot + bias;
    return NNB_OK;
}

nnb_status nnb_layer_output(const float *inputs, size_t n_inputs, const float *weights, const float *biases,
                            size_t n_neurons, float *outputs)
{
    if (inputs == NULL || weights == NULL || biases == NULL || outputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (n_inputs == 0 || n_neurons == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    size_t total;
    nnb_status st = nnb__mul_size(n_inputs, n_neurons, &total);
    if (st != NNB_OK) {
        return st;
    }
    for (size_t j = 0; j < n_neurons; ++j) {
        /* Cannot fail: arguments were checked above. */
        (void)nnb_neuron_output(inputs, weights + j * n_inputs, n_inputs, biases[j], &outputs[j]);
    }
    return NNB_OK;
}
