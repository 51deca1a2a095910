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

#ifdef __cplusplus
}
#endif

#endif /* NNB_NEURON_H */
