/* SPDX-License-Identifier: MIT */
/* Lessons 1-3: a neuron is a dot product plus a bias; a layer is one such neuron per weight row. */
#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "nnbasics/gemm.h"
#include "nnbasics/neuron.h"

/* The checks shared by both layer functions: every pointer set, both sizes nonzero, their product a size. */
static nnb_status check_layer(const void *inputs, size_t n_inputs, const void *weights, const void *biases,
                              size_t n_neurons, const void *outputs)
{
    if (inputs == NULL || weights == NULL || biases == NULL || outputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (n_inputs == 0 || n_neurons == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "a layer of %zu inputs and %zu neurons: both must be at least 1", n_inputs,
                          n_neurons);
    }
    size_t total;
    return nnb__mul_size(n_inputs, n_neurons, &total);
}

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
    nnb_status st = check_layer(inputs, n_inputs, weights, biases, n_neurons, outputs);
    if (st != NNB_OK) {
        return st;
    }
    for (size_t j = 0; j < n_neurons; ++j) {
        /* Cannot fail: arguments were checked above. */
        (void)nnb_neuron_output(inputs, weights + j * n_inputs, n_inputs, biases[j], &outputs[j]);
    }
    return NNB_OK;
}

/* Python's order: the products added left to right (the first one is the start), then the bias. */
static double python_dot(const double *a, const double *b, size_t n)
{
    double sum = a[0] * b[0];
    for (size_t i = 1; i < n; ++i) {
        sum += a[i] * b[i];
    }
    return sum;
}

nnb_status nnb_neuron_output_f64(const double *inputs, const double *weights, size_t n, double bias, double *out)
{
    if (inputs == NULL || weights == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (n == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    *out = python_dot(inputs, weights, n) + bias;
    return NNB_OK;
}

nnb_status nnb_layer_output_f64(const double *inputs, size_t n_inputs, const double *weights, const double *biases,
                                size_t n_neurons, double *outputs)
{
    nnb_status st = check_layer(inputs, n_inputs, weights, biases, n_neurons, outputs);
    if (st != NNB_OK) {
        return st;
    }
    for (size_t j = 0; j < n_neurons; ++j) {
        outputs[j] = python_dot(inputs, weights + j * n_inputs, n_inputs) + biases[j];
    }
    return NNB_OK;
}
