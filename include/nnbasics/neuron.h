/* SPDX-License-Identifier: MIT */
/**
 * @file neuron.h
 * @brief Lessons 1 to 3: one neuron and one layer for a single input vector, on the dot product.
 *
 * @verbatim
   neuron:  output = sum_i inputs[i] * weights[i] + bias
   layer:   outputs[j] = sum_i inputs[i] * weights[j][i] + biases[j]   (one weight row per neuron)
   @endverbatim
 *
 * Each sum is accumulated in double and rounded once to float32, like np.dot under nnfs.
 * These functions only read their inputs; they are reentrant.
 */
#ifndef NNB_NEURON_H
#define NNB_NEURON_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Output of one neuron with n inputs.
 * @param inputs n values.
 * @param weights n values.
 * @param n number of inputs (> 0).
 * @param bias the neuron's bias.
 * @param out receives the output; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (n is 0).
 */
NNB_API nnb_status nnb_neuron_output(const float *inputs, const float *weights, size_t n, float bias, float *out);

/**
 * Outputs of a layer of n_neurons neurons for one input vector of n_inputs values.
 * @param inputs n_inputs values.
 * @param n_inputs number of inputs (> 0).
 * @param weights n_neurons x n_inputs, row-major, one row per neuron (the lesson's layout).
 * @param biases n_neurons values.
 * @param n_neurons number of neurons (> 0).
 * @param outputs caller buffer of n_neurons floats, receives the outputs; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (a size is 0), NNB_ERR_OVERFLOW.
 */
NNB_API nnb_status nnb_layer_output(const float *inputs, size_t n_inputs, const float *weights, const float *biases,
                                    size_t n_neurons, float *outputs);

/**
 * Output of one neuron in double precision, as the book's plain-Python code computes it.
 *
 * Python floats are doubles: inputs[0]*weights[0] + inputs[1]*weights[1] + ... + bias, each product rounded
 * to double and added left to right, the bias last (no fused multiply-add). For the lesson's neuron this
 * gives 4.8, the value Python prints.
 *
 * @param inputs  n input values (read only, owned by the caller).
 * @param weights n weights (read only, owned by the caller).
 * @param n       number of inputs; at least 1.
 * @param bias    the neuron's bias.
 * @param out     receives the output; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL (a pointer is NULL) or NNB_ERR_ARGUMENT (n is 0).
 */
NNB_API nnb_status nnb_neuron_output_f64(const double *inputs, const double *weights, size_t n, double bias,
                                         double *out);

/**
 * Outputs of a layer of neurons for one input vector in double precision, as the book's plain-Python loop
 * computes them: one nnb_neuron_output_f64 per weight row.
 *
 * @param inputs    n_inputs input values (read only, owned by the caller).
 * @param n_inputs  number of inputs; at least 1.
 * @param weights   n_neurons x n_inputs weights, row-major, one row per neuron (read only, owned by the caller).
 * @param biases    n_neurons biases (read only, owned by the caller).
 * @param n_neurons number of neurons; at least 1.
 * @param outputs   caller buffer of n_neurons doubles; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL (a pointer is NULL), NNB_ERR_ARGUMENT (a size is 0) or NNB_ERR_OVERFLOW
 *         (n_inputs * n_neurons overflows).
 */
NNB_API nnb_status nnb_layer_output_f64(const double *inputs, size_t n_inputs, const double *weights,
                                        const double *biases, size_t n_neurons, double *outputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_NEURON_H */
