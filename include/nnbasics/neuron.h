/* SPDX-License-Identifier: MIT */
/*
 * neuron.h - lessons 1 to 3: one neuron and one layer for a single input vector, on the dot product.
 *
 *   neuron:  output = sum_i inputs[i] * weights[i] + bias
 *   layer:   outputs[j] = sum_i inputs[i] * weights[j][i] + biases[j]   (one weight row per neuron)
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

/*
 * Output of one neuron with n inputs. out receives the result.
 * Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (n is 0). *out is untouched on failure.
 */
NNB_API nnb_status nnb_neuron_output(const float *inputs, const float *weights, size_t n, float bias, float *out);

/*
 * Outputs of a layer of n_neurons neurons for one input vector of n_inputs values.
 * weights: n_neurons x n_inputs, row-major, one row per neuron (the lesson's layout).
 * biases: n_neurons values. outputs: caller buffer of n_neurons floats.
 * Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (a size is 0), NNB_ERR_OVERFLOW. outputs untouched on failure.
 */
NNB_API nnb_status nnb_layer_output(const float *inputs, size_t n_inputs, const float *weights, const float *biases,
                                    size_t n_neurons, float *outputs);

#ifdef __cplusplus
}
#endif

#endif /* NNB_NEURON_H */
